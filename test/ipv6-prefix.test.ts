import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { ipv6Bits } from '../src/detection/ioc-model.js';
import { type Scalar, col, ipv6Prefix, select } from '../src/store/query-node.js';
import { compileQuery, duckdbDialect } from '../src/store/sql-compiler.js';

/** The DuckDB rendering of IPv6 prefixes, run on DuckDB against every textual form of an address. */

const ADDRESSES = ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:1::', '2001:db9::1', '::1', '::', 'fe80::1', '10.0.0.1', 'not:an:address::x', '2001:db8::1::2', '', null];

async function matching(prefix: string): Promise<(string | null)[]> {
  const [address = '', bits = '128'] = prefix.split('/');
  const network = ipv6Bits(address).toString(16).padStart(32, '0');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run('CREATE TABLE events ("source.ip" VARCHAR)');
    for (const a of ADDRESSES) {
      const insert = await connection.prepare('INSERT INTO events VALUES ($1)');
      insert.bind([a as Scalar] as never);
      await insert.run();
    }
    const compiled = compileQuery(select({ from: 'events', columns: [{ expr: col('source.ip'), as: 'ip' }], where: ipv6Prefix(col('source.ip'), Number(bits), network) }), duckdbDialect);
    const prepared = await connection.prepare(compiled.sql);
    if (compiled.parameters.length > 0) prepared.bind(compiled.parameters as never);
    return (await prepared.runAndReadAll()).getRowObjectsJS().map((r) => r['ip'] as string | null);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('IPv6 prefixes on DuckDB', () => {
  it('matches every textual form of the same address and nothing else', async () => {
    expect(await matching('2001:db8::1/128')).toEqual(['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001']);
  });

  it('compares whole nibbles and the bits of a partial one', async () => {
    expect(await matching('2001:db8::/32')).toEqual(['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:1::']);
    // /31 takes 2001:db8 and 2001:db9 (they differ only in the last bit of the 32).
    expect(await matching('2001:db8::/31')).toHaveLength(5);
    expect(await matching('fe80::/10')).toEqual(['fe80::1']);
    expect(await matching('::/0')).toEqual(['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0:1::', '2001:db9::1', '::1', '::', 'fe80::1']);
  });
});
