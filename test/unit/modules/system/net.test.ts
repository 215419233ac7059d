import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getUrlModule } from '../../../../src/modules/system/get_url.js';
import { uriModule } from '../../../../src/modules/system/uri.js';
import type { ShellCommand } from '../../../../src/commands/types.js';
import { planWith, result } from '../../../fixtures/modules/system/context.js';
import { runLocalAsync } from '../../../fixtures/modules/system/sh.js';
import { startServer } from '../../../fixtures/modules/system/http.js';

let srv: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(async () => {
  await srv.close();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Run probes for real, plan, run the commands for real (like the engine), interpret. */
async function apply(mod: typeof getUrlModule | typeof uriModule, args: Record<string, unknown>, check = false) {
  const first = planWith(mod, { args, probes: Object.fromEntries(['dest'].map((k) => [k, ''])) });
  const probes: Record<string, string> = {};
  for (const [i, key] of first.probeKeys.entries()) probes[key] = (await runLocalAsync(first.probeCmds[i]!)).stdout;
  const { plan } = planWith(mod, { args, probes, check });
  const outputs = [];
  if (!check) {
    for (const c of plan.commands as ShellCommand[]) {
      const r = await runLocalAsync(c.cmd.text, { stdin: c.stdin });
      outputs.push(r);
      if (r.rc !== 0 && !c.mayFail) break;
    }
  }
  const outcome = plan.interpret && !check ? plan.interpret(outputs) : { changed: plan.changed, failed: plan.failed, result: plan.result, msg: plan.msg };
  return { plan, outcome };
}

describe('get_url against a local HTTP server', () => {
  it('downloads, then a second run with the checksum is ok without a request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const dest = join(dir, 'f.txt');
    const args = { url: `${srv.base}/file.txt`, dest, checksum: `sha256:${sha256('hello tsplay\n').toUpperCase()}`, mode: '0640' };
    const one = await apply(getUrlModule, args);
    expect(one.outcome.failed).toBeUndefined();
    expect(one.outcome.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('hello tsplay\n');
    expect((statSync(dest).mode & 0o777).toString(8)).toBe('640');
    expect(one.outcome.result).toMatchObject({ dest, status_code: 200, size: 13, msg: 'OK (13 bytes)' });
    const before = srv.seen.length;
    const two = await apply(getUrlModule, args);
    expect(two.plan.commands).toEqual([]);
    expect(two.outcome.changed).toBe(false);
    expect(two.outcome.msg).toBe('file already exists');
    expect(srv.seen.length).toBe(before);
    expect(readdirSync(dir)).toEqual(['f.txt']);
  });

  it('a checksum mismatch fails with expected and actual sums and leaves dest untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const dest = join(dir, 'f.txt');
    writeFileSync(dest, 'old');
    const wrong = 'a'.repeat(64);
    const { outcome } = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest, checksum: `sha256:${wrong}` });
    expect(outcome.failed).toBe(`The checksum for ${dest} did not match ${wrong}; it was ${sha256('hello tsplay\n')}.`);
    // ansible-core 2.14 moves the download into place, then removes dest when its checksum is wrong.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without checksum: an existing dest is asked for with If-Modified-Since (this server ignores it: replaced); force sends no-cache; backup keeps the old bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const dest = join(dir, 'f.txt');
    writeFileSync(dest, 'mine');
    const fetched = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest, backup: true });
    expect(srv.seen.at(-1)?.headers['if-modified-since']).toMatch(/ GMT$/);
    expect(fetched.outcome.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('hello tsplay\n');
    const backup = fetched.outcome.result?.backup_file as string;
    expect(backup).toMatch(/f\.txt\.\d+\.\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}~$/);
    expect(readFileSync(backup, 'utf8')).toBe('mine');
    expect(fetched.outcome.result).toMatchObject({
      checksum_dest: createHash('sha1').update('mine').digest('hex'),
      checksum_src: createHash('sha1').update('hello tsplay\n').digest('hex'),
      status_code: 200,
      size: 13,
      state: 'file',
    });
    const again = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest, force: true, backup: true });
    expect(srv.seen.at(-1)?.headers['cache-control']).toBe('no-cache');
    expect(srv.seen.at(-1)?.headers['if-modified-since']).toBeUndefined();
    expect(again.outcome.changed).toBe(false);
    expect(again.outcome.result).not.toHaveProperty('backup_file');
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('tmp_dest: the temp file goes there; a missing or non-directory tmp_dest fails with ansible’s message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const tmp = mkdtempSync(join(tmpdir(), 'tsplay-tmpd-'));
    const ok = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest: join(dir, 'f'), tmp_dest: tmp });
    expect(ok.outcome.failed).toBeUndefined();
    expect(String(ok.outcome.result?.src)).toMatch(new RegExp(`^${tmp}/`));
    expect(readdirSync(tmp)).toEqual([]);
    const missing = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest: join(dir, 'g'), tmp_dest: join(tmp, 'nope') });
    expect(missing.outcome.failed).toBe(`${join(tmp, 'nope')} directory does not exist.`);
    writeFileSync(join(tmp, 'file'), '');
    const file = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest: join(dir, 'g'), tmp_dest: join(tmp, 'file') });
    expect(file.outcome.failed).toBe(`${join(tmp, 'file')} is a file but should be a directory.`);
  });

  it('a 404 fails with "Request failed" and no file is left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const { outcome } = await apply(getUrlModule, { url: `${srv.base}/missing`, dest: join(dir, 'x') });
    expect(outcome.failed).toMatch(/^Request failed/);
    expect(outcome.result?.status_code).toBe(404);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a hostile dest path is used literally and nothing executes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const marker = join(dir, 'pwned');
    process.env.TSPLAY_PWNED = marker;
    const name = `we'ird "$(touch "$TSPLAY_PWNED")" \`touch $TSPLAY_PWNED\` ✓.txt`;
    const { outcome } = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest: join(dir, name) });
    expect(outcome.failed).toBeUndefined();
    expect(readdirSync(dir)).toEqual([name]);
    expect(existsSync(marker)).toBe(false);
  });

  it('dest directory → file named after the URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const { outcome } = await apply(getUrlModule, { url: `${srv.base}/file.txt`, dest: dir });
    expect(outcome.changed).toBe(true);
    expect(existsSync(join(dir, 'file.txt'))).toBe(true);
  });

  it('headers and credentials go through stdin, never the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsplay-get-'));
    const args = { url: `${srv.base}/file.txt`, dest: join(dir, 'a'), headers: { 'X-Token': 'Bearer t0k3n "x"' }, url_username: 'u', url_password: 'p@ss' };
    const { plan } = await apply(getUrlModule, args);
    const c = plan.commands[0] as ShellCommand;
    expect(c.cmd.text).not.toMatch(/t0k3n|p@ss/);
    expect(c.describe).not.toMatch(/t0k3n|p@ss/);
    const req = srv.seen[srv.seen.length - 1]!;
    expect(req.headers.authorization).toBe('Basic ' + Buffer.from('u:p@ss').toString('base64'));
    expect(req.headers['x-token']).toBe('Bearer t0k3n "x"');
  });

  it('interpret: checksum mismatch exit is a failure (data fixture)', () => {
    const { plan } = planWith(getUrlModule, {
      args: { url: 'http://x/y', dest: '/tmp/y', checksum: 'md5:0123456789abcdef0123456789abcdef' },
      probes: { dest: 'kind=file\npath=/tmp/y\nexists=0\n' },
    });
    const o = plan.interpret!([result({ rc: 5, stdout: 'tsplay:status=200\ntsplay:sum=ffff\n' })]);
    expect(o.failed).toBe('The checksum for /tmp/y did not match 0123456789abcdef0123456789abcdef; it was ffff.');
  });

  it('bad checksum strings fail at plan time', () => {
    const p = (checksum: string) => planWith(getUrlModule, { args: { url: 'http://x/y', dest: '/tmp/y', checksum }, probes: { dest: 'exists=0\n' } }).plan;
    expect(p('abc').failed).toBe('The checksum parameter has to be in format <algorithm>:<checksum>');
    expect(p('sha256:xyz!').failed).toBe('The checksum format is invalid');
    expect(p('crc32:abc').failed).toMatch(/Unsupported hash algorithm 'crc32'/);
  });

  it('attributes only: chmod/chown without downloading', () => {
    const { plan } = planWith(getUrlModule, {
      args: { url: 'http://x/y', dest: '/tmp/y', mode: 0o644, owner: 'root', checksum: 'sha1:abc' },
      probes: { dest: 'kind=file\npath=/tmp/y\nexists=1\nsum=abc\nattrs=600 root root 0 0 5\n' },
    });
    expect(plan.commands.map((c) => (c as ShellCommand).cmd.text)).toEqual(['chmod 0644 -- /tmp/y']);
    expect(plan.msg).toBe('file already exists but file attributes changed');
  });
});

describe('uri against a local HTTP server', () => {
  it('GET JSON: status, parsed json, headers; changed false', async () => {
    const { plan, outcome } = await apply(uriModule, { url: `${srv.base}/json`, return_content: true });
    expect(plan.unpredictable).toBe(true);
    expect(outcome.failed).toBeUndefined();
    expect(outcome.changed).toBe(false);
    expect(outcome.result).toMatchObject({ status: 200, json: { ok: true, list: [1, 2] }, x_thing: 'yes', content_type: 'application/json', redirected: false });
  });

  it("user and password are the aliases of url_username/url_password (username is get_url's, not uri's)", async () => {
    await apply(uriModule, { url: `${srv.base}/json`, user: 'gh', password: 't0k', force_basic_auth: true });
    expect(srv.seen[srv.seen.length - 1]!.headers.authorization).toBe('Basic ' + Buffer.from('gh:t0k').toString('base64'));
    expect(uriModule.args.safeParse({ url: `${srv.base}/json`, username: 'gh' }).success).toBe(false);
  });

  it('content is only returned when asked', async () => {
    const { outcome } = await apply(uriModule, { url: `${srv.base}/json` });
    expect(outcome.result?.content).toBeUndefined();
  });

  it('a status outside status_code fails with Ansible’s message; the body only with return_content', async () => {
    const { outcome } = await apply(uriModule, { url: `${srv.base}/nope` });
    expect(outcome.failed).toBe('Status code was 404 and not [200]: HTTP Error 404: Not Found');
    expect(outcome.result).toMatchObject({ status: 404 });
    expect(outcome.result).not.toHaveProperty('content');
    const withBody = await apply(uriModule, { url: `${srv.base}/nope`, return_content: true });
    expect(withBody.outcome.result).toMatchObject({ status: 404, content: 'no such thing' });
    const ok = await apply(uriModule, { url: `${srv.base}/nope`, status_code: [200, '404'] });
    expect(ok.outcome.failed).toBeUndefined();
  });

  it('dest: writes the body (changed every time, as ansible), sends If-Modified-Since, mode; a directory dest takes the URL name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uri-dest-'));
    const dest = join(dir, 'file.txt');
    const w = await apply(uriModule, { url: `${srv.base}/file.txt`, dest, mode: '0600' });
    expect(w.outcome.failed).toBeUndefined();
    expect(w.outcome.changed).toBe(true);
    expect(readFileSync(dest, 'utf8')).toBe('hello tsplay\n');
    expect(statSync(dest).mode & 0o777).toBe(0o600);
    expect(w.outcome.result).toMatchObject({ status: 200, path: dest, mode: '0600', state: 'file', size: 13 });
    expect(w.outcome.result).not.toHaveProperty('content');
    const again = await apply(uriModule, { url: `${srv.base}/file.txt`, dest });
    expect(again.outcome.changed).toBe(true);
    expect(srv.seen.at(-1)?.headers['if-modified-since']).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const j = await apply(uriModule, { url: `${srv.base}/json`, dest: `${dir}/` });
    expect(readFileSync(join(dir, 'json'), 'utf8')).toBe('{"ok":true,"list":[1,2]}');
    expect(j.outcome.result).toMatchObject({ path: join(dir, 'json'), json: { ok: true, list: [1, 2] } });
    const nf = await apply(uriModule, { url: `${srv.base}/nope`, dest: join(dir, 'nope') });
    expect(nf.outcome.failed).toMatch(/^Status code was 404/);
    expect(nf.outcome.changed).toBe(false);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('creates and removes skip the request with ansible’s stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uri-cr-'));
    writeFileSync(join(dir, 'there'), '');
    const n = srv.seen.length;
    const c = await apply(uriModule, { url: `${srv.base}/file.txt`, creates: join(dir, 'there') });
    expect(c.outcome.result).toEqual({ stdout: `skipped, since '${join(dir, 'there')}' exists`, changed: false });
    const r = await apply(uriModule, { url: `${srv.base}/file.txt`, removes: join(dir, 'gone') });
    expect(r.outcome.result).toEqual({ stdout: `skipped, since '${join(dir, 'gone')}' does not exist`, changed: false });
    expect(srv.seen.length).toBe(n);
    const run = await apply(uriModule, { url: `${srv.base}/file.txt`, creates: join(dir, 'gone'), removes: join(dir, 'there') });
    expect(run.outcome.result).toMatchObject({ status: 200, changed: false });
    expect(srv.seen.length).toBe(n + 1);
  });

  it('POST a JSON body (sent via stdin), status_code 201', async () => {
    const body = { name: "o'brien $(id)", n: 1 };
    const { plan, outcome } = await apply(uriModule, { url: `${srv.base}/echo`, method: 'post', body, body_format: 'json', status_code: 201, return_content: true });
    expect((plan.commands[0] as ShellCommand).cmd.text).not.toContain('brien');
    expect(outcome.failed).toBeUndefined();
    expect(outcome.result?.json).toEqual({ method: 'POST', body: JSON.stringify(body), ct: 'application/json' });
  });

  it('form-urlencoded and PUT; a body starting with @ is sent literally', async () => {
    const f = await apply(uriModule, {
      url: `${srv.base}/echo`,
      method: 'PUT',
      body: { a: 'x y', b: '&' },
      body_format: 'form-urlencoded',
      status_code: 201,
      return_content: true,
    });
    expect(f.outcome.result?.json).toMatchObject({ method: 'PUT', body: 'a=x+y&b=%26' });
    const at = await apply(uriModule, { url: `${srv.base}/echo`, method: 'POST', body: '@/etc/passwd', status_code: 201, return_content: true });
    expect((at.outcome.result?.json as { body: string } | undefined)?.body).toBe('@/etc/passwd');
  });

  it('HEAD and DELETE send the right method', async () => {
    const head = await apply(uriModule, { url: `${srv.base}/json`, method: 'HEAD' });
    expect(head.outcome.result).toMatchObject({ status: 200, content_type: 'application/json' });
    expect(srv.seen[srv.seen.length - 1]!.method).toBe('HEAD');
    const del = await apply(uriModule, { url: `${srv.base}/echo`, method: 'DELETE', status_code: 201, return_content: true });
    expect(del.outcome.result?.json).toMatchObject({ method: 'DELETE', body: '' });
  });

  it('follows redirects for GET', async () => {
    const { outcome } = await apply(uriModule, { url: `${srv.base}/redirect` });
    expect(outcome.result).toMatchObject({ status: 200, redirected: true, url: `${srv.base}/json` });
    const none = await apply(uriModule, { url: `${srv.base}/redirect`, follow_redirects: 'none', status_code: 302 });
    expect(none.outcome.result).toMatchObject({ status: 302, redirected: false, location: '/json' });
  });

  it('connection refused → status -1 with curl’s reason', async () => {
    const { outcome } = await apply(uriModule, { url: 'http://127.0.0.1:9/', timeout: 5 });
    expect(outcome.failed).toMatch(/^Status code was -1 and not \[200\]: Request failed: curl: \(7\)/);
  });

  it('interpret: parses a canned curl -i transcript (data fixture)', () => {
    const { plan } = planWith(uriModule, { args: { url: 'http://x/', status_code: [200], return_content: true } });
    const transcript = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/2 503\r\ncontent-type: text/html\r\n\r\ndown\n__TSPLAY_URI__ 503 0 http://x/';
    const o = plan.interpret!([result(transcript)]);
    expect(o.failed).toBe('Status code was 503 and not [200]: HTTP Error 503: Service Unavailable');
    expect(o.result?.content).toBe('down');
  });
});
