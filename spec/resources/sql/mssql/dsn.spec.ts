/** A SQL Server DB_DSN → tedious' settings, checked without a server. */
import { expect } from 'chai';
import { sessionSettings } from '../../../../lib/resources/sql/dsn';

describe('SQL Server DB_DSN', () => {
  it('should map a SQL Server URL to tedious options', () => {
    const settings = sessionSettings({
      DB_DSN: 'mssql://sa:Str0ng%21@sql.example:14330/sales?encrypt=false&trustServerCertificate=true&appName=nightly',
    });
    expect(settings.dialect).to.equal('mssql');
    expect(settings.connection).to.deep.equal({
      server: 'sql.example',
      port: 14330,
      database: 'sales',
      user: 'sa',
      password: 'Str0ng!',
      options: { encrypt: false, trustServerCertificate: true, useUTC: true, appName: 'nightly' },
    });
    expect(settings.display).to.equal('mssql://sa:***@sql.example:14330/sales?encrypt=false&trustServerCertificate=true&appName=nightly');
  });

  it('should default SQL Server to encryption on port 1433, and use a named instance without a port', () => {
    expect(sessionSettings({ DB_DSN: 'sqlserver://sa:x@sql/db' }).connection).to.deep.include({
      port: 1433,
      options: { encrypt: true, trustServerCertificate: false, useUTC: true },
    });
    const named = sessionSettings({ DB_DSN: 'mssql://sa:x@sql/db?instanceName=SQLEXPRESS', DB_USER: 'etl', DB_PWD: 'y' });
    expect(named.connection).to.not.have.property('port');
    expect(named.connection).to.deep.include({ user: 'etl', password: 'y' });
    expect((named.connection.options as Record<string, unknown>).instanceName).to.equal('SQLEXPRESS');
    const backslash = sessionSettings({ DB_DSN: 'mssql://sa:x@sql\\SQLEXPRESS/db' });
    expect(backslash.connection).to.deep.include({ server: 'sql', database: 'db' });
    expect((backslash.connection.options as Record<string, unknown>).instanceName).to.equal('SQLEXPRESS');
  });
});
