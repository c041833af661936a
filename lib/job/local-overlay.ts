/**
 * `bigrays run --local`, on the job's side: the command hands over the emulator's endpoint,
 * its keys and a SQLite DB_DSN through the env; this overlay keeps every task on them,
 * whatever the job assigns in code or in a task's `resourceConfig`. A task naming another
 * database gets a SQLite file of its own. SQLite files under `.bigrays/` are never opened
 * through a symbolic link (`lib/resources/sql/sqlite/sqlite-no-follow.ts`).
 */
import { basename, extname, join, relative } from 'node:path';
import { effectiveConfig, envName, type ConfigValues } from '../config';
import { AwsResource } from '../resources/aws';
import { openSqliteWithoutLinksUnder } from '../resources/sql/sqlite/sqlite-no-follow';
import { maskDsnValue, rememberSecrets } from '../secrets';
import type { BaseTask } from '../task';

/** Where local mode keeps its files, under the working directory. */
export const LOCAL_DIR = '.bigrays';

const AWS_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;

export class LocalOverlay {
  private readonly aws: ConfigValues;
  private readonly mainDsn: string;
  private readonly others = new Map<string, string>();
  private readonly stem: string;

  /** `env`: the job's environment as the command set it up. */
  constructor(job: string, private readonly note: (text: string) => void, env: NodeJS.ProcessEnv = process.env) {
    this.stem = basename(job, extname(job));
    this.aws = { AWS_SESSION_TOKEN: '', AWS_REQUIRE_SECRETS: 'true' };
    for (const key of AWS_KEYS) this.aws[key] = env[envName(key)] ?? '';
    this.mainDsn = env[envName('DB_DSN')] ?? '';
    openSqliteWithoutLinksUnder(LOCAL_DIR);
  }

  /** Rewrites `task.resourceConfig` so that its resource stays local. */
  readonly apply = (task: BaseTask<unknown>): void => {
    const resource = task.requiredResource;
    if (!resource) return;
    const own = task.resourceConfig;
    let overrides: ConfigValues | undefined;
    if (resource instanceof AwsResource) overrides = { ...this.aws };
    if (resource.requiredConfigs.includes('DB_DSN')) {
      const dsn = String(effectiveConfig(own).DB_DSN ?? '');
      if (dsn !== '' && dsn !== this.mainDsn) {
        rememberSecrets(own);
        overrides = { ...overrides, DB_DSN: this.sqliteFor(dsn), DB_USER: '', DB_PWD: '' };
      }
    }
    if (overrides) task.resourceConfig = { ...(own ?? {}), ...overrides };
  };

  private sqliteFor(dsn: string): string {
    let local = this.others.get(dsn);
    if (!local) {
      const file = join(LOCAL_DIR, `${this.stem}-${this.others.size + 2}.sqlite`);
      local = `sqlite:${file}`;
      this.others.set(dsn, local);
      this.note(`SQL: ${maskDsnValue(dsn)} (a task's resourceConfig) → SQLite database ${relative(process.cwd(), file) || file}`);
    }
    return local;
  }
}
