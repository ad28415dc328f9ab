import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../shared/errors.js';
import { parseSigmaRule } from './parse-sigma.js';
import { compileSigmaRule } from './sigma-compile.js';
import { SHIPPED_PIPELINES, loadPipeline, loadShippedPipelines, parsePipeline, pipelinePlaceholders, resolveLogsource, shippedPipelineFile } from './sigma-pipeline.js';

/** Processing pipelines as data: the shipped YAML, how they combine, and hostile pipelines refused with file and line. */

/** The problems (line: reason) a pipeline text is refused with. */
function refusal(text: string): string[] {
  try {
    parsePipeline('hostile.yaml', text);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const problems = (error as InvalidInputError).problems;
    for (const p of problems) expect(p.location.file).toBe('hostile.yaml');
    return problems.map((p) => `${p.location.line}: ${p.reason}`);
  }
  throw new Error('pipeline was accepted');
}

describe('shipped pipelines', () => {
  it.each(SHIPPED_PIPELINES)('%s.yaml loads', async (name) => {
    const pipeline = await loadPipeline(shippedPipelineFile(name));
    expect(pipeline.name).toBe(name);
    expect(pipeline.logsources.length).toBeGreaterThan(0);
    expect(Object.keys(pipeline.fieldmappings).length).toBeGreaterThan(0);
  });

  it('serves web server, proxy and firewall rules and the NetScaler log sources', async () => {
    const pipelines = await loadShippedPipelines();
    const datasets = (logsource: object) => resolveLogsource(pipelines, logsource)?.datasets;
    expect(datasets({ category: 'webserver' })).toEqual(['web.access', 'netscaler.httpaccess']);
    expect(datasets({ category: 'proxy' })).toEqual(['network.flow']);
    expect(datasets({ category: 'firewall' })).toEqual(['network.flow']);
    // The more specific entry wins: a NetScaler web server rule reads NetScaler's access log only.
    expect(datasets({ category: 'webserver', product: 'netscaler' })).toEqual(['netscaler.httpaccess']);
    expect(datasets({ product: 'netscaler', service: 'httpaccess' })).toEqual(['netscaler.httpaccess']);
    expect(datasets({ product: 'netscaler', service: 'ns' })).toEqual(['netscaler.syslog']);
    expect(datasets({ product: 'netscaler' })).toBeUndefined();
    expect(datasets({ product: 'windows', category: 'process_creation' })).toBeUndefined();
    const ns = resolveLogsource(pipelines, { product: 'netscaler', service: 'ns' })!;
    expect(ns.mapping['SessionId']).toBe('weerbaar.session_id');
    expect(ns.mapping['Client_ip']).toBe('source.ip');
  });

  it('lets a later (user) pipeline add a log source and override a field', () => {
    const shipped = parsePipeline('a.yaml', 'name: a\nlogsources:\n  - category: webserver\n    datasets: [web.access]\nfieldmappings:\n  c-ip: source.ip\n');
    const user = parsePipeline('b.yaml', 'name: b\nlogsources:\n  - category: webserver\n    datasets: [custom.web]\n  - product: windows\n    datasets: [win.security]\nfieldmappings:\n  c-ip: network.forwarded_ip\n  cs-cookie: weerbaar.fields.cookie\n');
    const resolved = resolveLogsource([shipped, user], { category: 'webserver' })!;
    expect(resolved.datasets).toEqual(['web.access', 'custom.web']);
    expect(resolved.mapping).toEqual({ 'c-ip': 'network.forwarded_ip', 'cs-cookie': 'weerbaar.fields.cookie' });
    expect(resolveLogsource([shipped, user], { product: 'windows', service: 'security' })?.datasets).toEqual(['win.security']);
  });

  it('compiles a field mapped to a key of the parsed fields as a JSON lookup', () => {
    const pipeline = parsePipeline('p.yaml', 'name: p\nfieldmappings:\n  cs-cookie: weerbaar.fields.Cookie Header\n');
    const rule = parseSigmaRule('r.yml', 'title: t\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    cs-cookie|contains: x\n  condition: sel\n').rules[0]!;
    const compiled = compileSigmaRule(rule, pipeline.fieldmappings);
    expect(compiled.ok && JSON.stringify(compiled.where)).toContain('"kind":"json_field","column":"weerbaar.fields","key":"Cookie Header"');
  });
});

describe('hostile pipelines', () => {
  it('refuses a target that is not a column, naming its line', () => {
    expect(refusal('name: x\nfieldmappings:\n  c-ip: source.ip\n  cs-uri: url.pathh\n')).toEqual([expect.stringMatching(/^4: unknown target column "url.pathh"/)]);
  });

  it('refuses SQL in a target or a field name', () => {
    expect(refusal('name: x\nfieldmappings:\n  c-ip: \'source.ip" ; DROP TABLE events; --\'\n')).toEqual([expect.stringMatching(/^3: unknown target column/)]);
    expect(refusal('name: x\nfieldmappings:\n  c-ip: weerbaar.fields.a"); DROP TABLE events; --\n')).toEqual([expect.stringMatching(/^3: unknown target column/)]);
    expect(refusal('name: x\nfieldmappings:\n  \'a"); DROP TABLE events; --\': source.ip\n')).toEqual([expect.stringMatching(/^3: Sigma field name .* must be 1–256 characters without quotes/)]);
    expect(refusal('name: x\nfieldmappings:\n  c-ip: weerbaar.fields\n')).toEqual([expect.stringMatching(/^3: unknown target column "weerbaar.fields"/)]);
  });

  it('refuses bad YAML, unknown keys and bad datasets with their lines', () => {
    expect(refusal('name: x\nfieldmappings:\n  c-ip: [unclosed\n')[0]).toMatch(/^\d+: YAML syntax/);
    expect(refusal('name: x\nlogsources:\n  - category: webserver\n    datasets: [Web Access]\n')).toEqual([expect.stringMatching(/^4: a dataset is lower-case/)]);
    expect(refusal('name: x\nlogsources:\n  - datasets: [web.access]\n')).toEqual([expect.stringMatching(/^3: a log source names at least one/)]);
    expect(refusal('name: x\nfieldmapping: none\n')).toEqual(['2: unknown field "fieldmapping"']);
  });

  it('gives placeholders their values for expand, later pipelines overriding a name, and refuses bad names', () => {
    const a = parsePipeline('a.yaml', 'name: a\nplaceholders:\n  admins: [nsroot, admin]\n  roots: [/vpn]\n');
    const b = parsePipeline('b.yaml', 'name: b\nplaceholders:\n  admins: [svc-adm]\n');
    expect(pipelinePlaceholders([a, b])).toEqual({ admins: ['svc-adm'], roots: ['/vpn'] });
    const { rules } = parseSigmaRule('r.yml', "title: t\nlogsource:\n    category: webserver\ndetection:\n    s:\n        cs-username|expand: '%admins%'\n    condition: s\n");
    const compiled = compileSigmaRule(rules[0]!, { 'cs-username': 'user.name' }, pipelinePlaceholders([a]));
    expect(compiled.ok).toBe(true);
    expect(() => parsePipeline('c.yaml', 'name: c\nplaceholders:\n  "bad name%": [x]\n')).toThrow(InvalidInputError);
  });

  it('names the file when loading from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weerbaar-pipeline-'));
    try {
      const file = join(dir, 'mine.yaml');
      await writeFile(file, 'name: mine\nfieldmappings:\n  c-ip: nope\n');
      await expect(loadPipeline(file)).rejects.toThrow(`${file}: not a valid Sigma pipeline`);
      await expect(loadPipeline(file)).rejects.toMatchObject({ problems: [{ location: { file, line: 3 } }] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
