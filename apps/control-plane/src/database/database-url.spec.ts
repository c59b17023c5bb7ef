import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from './database-url.js';

describe('parseDatabaseUrl', () => {
  it('reads one host, default port 5432', () => {
    const u = parseDatabaseUrl('postgres://flotilla:pw@db.internal/flotilla?sslmode=require');
    expect(u.hosts).toEqual([{ host: 'db.internal', port: 5432 }]);
    expect(u.readWrite).toBe(false);
    expect(u.urlFor(u.hosts[0]!)).toBe('postgres://flotilla:pw@db.internal:5432/flotilla?sslmode=require');
  });

  it('reads several hosts in order and target_session_attrs, which it leaves out of each single-host URL', () => {
    const u = parseDatabaseUrl(
      'postgresql://u:p%40ss@db-a:5433,db-b,[fd00::7]:6000/fleet?target_session_attrs=read-write&application_name=hub',
    );
    expect(u.hosts).toEqual([
      { host: 'db-a', port: 5433 },
      { host: 'db-b', port: 5432 },
      { host: 'fd00::7', port: 6000 },
    ]);
    expect(u.readWrite).toBe(true);
    expect(u.urlFor(u.hosts[2]!)).toBe('postgresql://u:p%40ss@[fd00::7]:6000/fleet?application_name=hub');
    expect(parseDatabaseUrl('postgres://u@a,b/d?target_session_attrs=primary').readWrite).toBe(true);
    expect(parseDatabaseUrl('postgres://u@a,b/d?target_session_attrs=any').readWrite).toBe(false);
  });

  it('names what is wrong', () => {
    expect(() => parseDatabaseUrl('mysql://u@a/d')).toThrow('postgres:// or postgresql://');
    expect(() => parseDatabaseUrl('postgres://u@/d')).toThrow('names no host');
    expect(() => parseDatabaseUrl('postgres://u@a,,b/d')).toThrow('"" is not host[:port]');
    expect(() => parseDatabaseUrl('postgres://u@a:99999/d')).toThrow('port 99999 of a:99999 is out of range');
    expect(() => parseDatabaseUrl('postgres://u@a,b/d?target_session_attrs=standby')).toThrow(
      'target_session_attrs=standby is not supported',
    );
  });
});
