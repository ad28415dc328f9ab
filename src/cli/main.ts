import { runCli } from './run-cli.js';

/** Process entry point of the `weerbaar` binary. */
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  interactive: process.stderr.isTTY === true,
});
process.exitCode = code;
