/** Root hooks for the SQL specs: embedded PostgreSQL (filled in with the SQL tasks). */
export {};
