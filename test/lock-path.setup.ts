// Test files run in parallel workers, many against localhost or the same lab container: each worker
// takes the host run lock on a file of its own, so unrelated tests never wait for each other. Tests
// of the lock itself set their own path (or none: the host-wide default).
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env['TSPLAY_LOCK_PATH'] ??= join(tmpdir(), `tsplay-test-${process.pid}.lock`);
