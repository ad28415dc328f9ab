/**
 * Module boundaries of src/ (docs/architecture.md). `ls src` reads as the data flow; these rules
 * keep it that way. Each rule's comment is the message a violator sees.
 */
const domain = '^src/(workspace|store|audit|inventory|advisory|ingest|detection|triage|timeline|exposure|integrity|recovery|partners|report|scenario)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles make modules impossible to understand or test alone: move the shared part down a layer.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-is-the-bottom',
      severity: 'error',
      comment: 'src/shared holds errors, hashing, time and parsing helpers used by everyone; it must not depend on any module.',
      from: { path: '^src/shared/' },
      to: { path: '^src/(?!shared/)' },
    },
    {
      name: 'domain-not-above',
      severity: 'error',
      comment: 'Domain modules never import the application layer or a surface (app, cli, server, web): surfaces call services, not the reverse.',
      from: { path: domain },
      to: { path: '^src/(app|cli|server)/|^web/' },
    },
    {
      name: 'app-not-surfaces',
      severity: 'error',
      comment: 'Application services are shared by every surface; they must not import the CLI or the HTTP server.',
      from: { path: '^src/app/' },
      to: { path: '^src/(cli|server)/' },
    },
    {
      name: 'surfaces-only-through-app',
      severity: 'error',
      comment: 'The CLI and the server parse input and call src/app services; they must not reach into the store (no SQL in surfaces).',
      from: { path: '^src/(cli|server)/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'store-knows-no-domain',
      severity: 'error',
      comment: 'The store provides engines and schemas; domain logic builds on it, never the reverse.',
      from: { path: '^src/store/' },
      to: { path: domain.replace('store|', '') },
    },
    {
      name: 'workspace-is-low',
      severity: 'error',
      comment: 'The workspace module only manages the folder, its configuration and keys; it must not open stores or domain modules.',
      from: { path: '^src/workspace/' },
      to: { path: '^src/(?!workspace/|shared/)' },
    },
    {
      name: 'no-test-imports-in-product',
      severity: 'error',
      comment: 'Product code must not import tests or test helpers.',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '\\.test\\.ts$|^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
