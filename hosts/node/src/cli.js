#!/usr/bin/env node
// Command line of the Node host adapter:
//   node src/cli.js transcript --sdk 1|2 --manifest M --credentials-json JSON --as-of T
//                              [--allow-host H]... [--server-url URL]
import { parseArgs } from 'node:util';
import { transcript } from './transcript.js';

const USAGE =
  'usage: node src/cli.js transcript --sdk 1|2 --manifest MANIFEST --credentials-json JSON --as-of RFC3339 [--allow-host HOST]... [--server-url URL]\n' +
  "  --server-url: the replay server's URL; its host:port reads {server} in the transcript";

/** Runs the command line `argv`; returns the exit code (0 done, 1 failed, 2 usage). */
export async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        sdk: { type: 'string', default: '2' },
        manifest: { type: 'string' },
        'credentials-json': { type: 'string' },
        'as-of': { type: 'string' },
        'allow-host': { type: 'string', multiple: true, default: [] },
        'server-url': { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${error.message}\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.join(' ') !== 'transcript' || !values.manifest || !values['credentials-json'] || !values['as-of']) {
    console.error(USAGE);
    return 2;
  }
  let credentials;
  try {
    credentials = JSON.parse(values['credentials-json']);
  } catch (error) {
    console.error(`--credentials-json is not JSON: ${error.message}\n${USAGE}`);
    return 2;
  }
  try {
    const result = await transcript({
      manifestPath: values.manifest,
      sdk: values.sdk,
      credentials,
      asOf: values['as-of'],
      allowHosts: values['allow-host'],
      serverUrl: values['server-url'],
    });
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (error) {
    console.error(`transcript failed: ${error.message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
