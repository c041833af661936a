import { expect } from 'chai';
import { hasBadEscape, passwordSpanOf, splitUrl } from '../lib/connection-url';

describe('connection URLs', () => {
  it('should split a URL as the URL standard does: user-info, host, port, path, query', () => {
    const text = 'postgres://etl:p%40ss:w@db.example:6543/warehouse?sslmode=require#ignored';
    const parts = splitUrl(text)!;
    expect(parts).to.deep.include({
      scheme: 'postgres', user: 'etl', password: 'p%40ss:w', host: 'db.example', port: '6543', path: '/warehouse', query: 'sslmode=require',
    });
    expect(parts.ambiguous).to.equal(undefined);
    const span = passwordSpanOf(parts)!;
    expect(text.slice(span[0], span[1])).to.equal('p%40ss:w');
    // The same reading as the WHATWG URL parser, which the PostgreSQL driver uses.
    const url = new URL(text);
    const decoded = (part = ''): string => decodeURIComponent(part);
    expect([url.username, decoded(url.password), url.hostname, url.port]).to.deep.equal([parts.user, decoded(parts.password), parts.host, parts.port]);
  });

  it('should read IPv6 hosts, SQL Server instances and URLs without user-info', () => {
    expect(splitUrl('postgres://u:p@[::1]:5432/db')).to.deep.include({ host: '[::1]', port: '5432' });
    expect(splitUrl('postgres://u:p@[::1]/db')!.host).to.equal('[::1]');
    expect(splitUrl('postgres://u:p@[::1]/db')!.port).to.equal(undefined);
    expect(splitUrl('mssql://sa:x@sql\\SQLEXPRESS/db')).to.deep.include({ host: 'sql\\SQLEXPRESS', path: '/db' });
    const bare = splitUrl('postgres:///db?host=/tmp')!;
    expect(bare).to.deep.include({ host: '', path: '/db', query: 'host=/tmp' });
    expect([bare.user, bare.password]).to.deep.equal([undefined, undefined]);
    expect(splitUrl('sqlite:jobs.db')).to.equal(undefined);
  });

  it('should call a URL ambiguous when its password holds an unescaped @, /, # or ?, and span all of the password', () => {
    for (const password of ['Qz7k@Vx9m', 'Qz7k/Vx9m', 'Qz7k#Vx9m', 'Qz7k?Vx9m', 'p@ss/w#rd?x']) {
      const text = `postgres://etl:${password}@127.0.0.1:55432/probe`;
      const parts = splitUrl(text)!;
      expect(parts.ambiguous, password).to.not.equal(undefined);
      const span = passwordSpanOf(parts)!;
      expect(text.slice(span[0], span[1]), password).to.equal(password);
      expect(text.slice(parts.ambiguous!.lastAt), password).to.equal('@127.0.0.1:55432/probe');
    }
    expect(splitUrl('postgres://etl:Qz7k@Vx9m@db/x')!.ambiguous!.reason).to.equal('at-in-user-info');
    expect(splitUrl('postgres://etl:Qz7k/Vx9m@db/x')!.ambiguous!.reason).to.equal('at-after-host');
    // No `:`, no password to hide: a user holding `@`.
    expect(passwordSpanOf(splitUrl('postgres://me@corp.com@db/x')!)).to.equal(undefined);
  });

  it('should tell a % that starts no %XX escape', () => {
    expect(hasBadEscape('50%off')).to.equal(true);
    expect(hasBadEscape('100%')).to.equal(true);
    expect(hasBadEscape('p%40ss%25')).to.equal(false);
  });
});
