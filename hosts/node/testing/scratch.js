// Temporary folders for the tests: every one under a single parent per test file, each removed
// when its test ends, and the parent removed when the file's tests end. A folder still there
// then fails the run, naming it: a test cleans up what it creates.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

/** Holds this test file's folders. */
const PARENT = mkdtempSync(path.join(tmpdir(), 'node-host-tests-'));

after(() => {
  const left = readdirSync(PARENT);
  rmSync(PARENT, { recursive: true, force: true });
  assert.deepEqual(left, [], `tests left these folders behind in ${PARENT}`);
});

/** Creates a fresh folder whose name starts with `prefix` for the test `t`; it is removed when `t` ends. */
export function scratchDir(t, prefix) {
  const dir = mkdtempSync(path.join(PARENT, prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
