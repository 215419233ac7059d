/**
 * ansible.builtin.url: the body of each URL (split into lines by default), fetched on the controller.
 * The project's network rule: only loopback URLs (localhost, 127.0.0.0/8, ::1) are fetched; any
 * other host is refused with a message saying so. Lookups are synchronous, so the request runs in
 * a child node process (the template engine has no event loop of its own to wait on).
 */
import { execFileSync } from 'node:child_process';
import { PyError, isDict, str, truthy } from './py.js';
import type { Kwargs } from './py.js';

/** What the child process is asked to do. */
interface UrlRequest {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  validateCerts: boolean;
  follow: boolean;
}

// The child: one GET (redirects followed up to 10, as urllib does), the answer as one JSON line.
const CHILD = `
const req = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const get = (url, left) => {
  const u = new URL(url);
  const mod = require(u.protocol === 'https:' ? 'https' : 'http');
  const r = mod.get(u, { headers: req.headers, rejectUnauthorized: req.validateCerts, timeout: req.timeoutMs }, (res) => {
    if (req.follow && [301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location && left > 0) {
      res.resume();
      return get(new URL(res.headers.location, u).toString(), left - 1);
    }
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => out({ status: res.statusCode, reason: res.statusMessage || '', body: Buffer.concat(chunks).toString('base64') }));
  });
  r.on('timeout', () => r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
  r.on('error', (e) => out({ error: e.code || 'ERROR', message: e.message }));
};
const out = (o) => { process.stdout.write(JSON.stringify(o)); process.exit(0); };
get(req.url, 10);
`;

/** The errno text urllib's URLError shows for a socket error. */
const ERRNO: Record<string, string> = {
  ECONNREFUSED: '[Errno 111] Connection refused',
  ECONNRESET: '[Errno 104] Connection reset by peer',
  EHOSTUNREACH: '[Errno 113] No route to host',
  ENETUNREACH: '[Errno 101] Network is unreachable',
  ENOTFOUND: '[Errno -2] Name or service not known',
  ETIMEDOUT: 'timed out',
};

/** Whether a URL's host is this machine's loopback (the only network tsplay's lookups may reach). */
export function isLoopbackUrl(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

function fetchOne(term: string, kwargs: Kwargs): string {
  let url: URL;
  try {
    url = new URL(term);
  } catch {
    throw new PyError('AnsibleError', `Failed lookup url for ${term} : <urlopen error unknown url type: ${term.split(':')[0]}>`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PyError('AnsibleError', `Failed lookup url for ${term} : tsplay fetches http and https URLs only`);
  }
  if (!isLoopbackUrl(url)) {
    throw new PyError(
      'AnsibleError',
      `lookup url: tsplay fetches only loopback URLs (localhost, 127.0.0.0/8, ::1) by its network rule; ${term} is not one (fetch it with get_uri on the host, or put the file beside the playbook and use lookup('file'))`,
    );
  }
  const headers: Record<string, string> = { 'User-Agent': kwargs.http_agent === undefined ? 'ansible-httpget' : str(kwargs.http_agent) };
  if (isDict(kwargs.headers)) for (const [k, v] of Object.entries(kwargs.headers)) headers[k] = str(v);
  if (kwargs.username !== undefined && kwargs.password !== undefined && truthy(kwargs.force_basic_auth ?? false)) {
    headers.Authorization = `Basic ${Buffer.from(`${str(kwargs.username)}:${str(kwargs.password)}`).toString('base64')}`;
  }
  const follow = kwargs.follow_redirects === undefined ? true : !['none', 'no', 'false', 'False'].includes(str(kwargs.follow_redirects));
  const timeoutS = kwargs.timeout === undefined ? 10 : Number(kwargs.timeout);
  const req: UrlRequest = {
    url: url.toString(),
    headers,
    timeoutMs: timeoutS * 1000,
    validateCerts: kwargs.validate_certs === undefined ? true : truthy(kwargs.validate_certs),
    follow,
  };
  let answer: { status?: number; reason?: string; body?: string; error?: string; message?: string };
  try {
    const outText = execFileSync(process.execPath, ['-e', CHILD], {
      input: JSON.stringify(req),
      encoding: 'utf8',
      timeout: timeoutS * 1000 + 5000,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    answer = JSON.parse(outText) as typeof answer;
  } catch {
    answer = { error: 'ETIMEDOUT', message: 'timed out' };
  }
  if (answer.error !== undefined) throw new PyError('AnsibleError', `Failed lookup url for ${term} : <urlopen error ${ERRNO[answer.error] ?? answer.message}>`);
  if ((answer.status ?? 0) >= 400) throw new PyError('AnsibleError', `Received HTTP error for ${term} : HTTP Error ${answer.status}: ${answer.reason}`);
  return Buffer.from(answer.body ?? '', 'base64').toString('utf8');
}

/** lookup('url', URL…, split_lines=True, headers=…, timeout=10, validate_certs=True, …). */
export function urlLookup(terms: unknown[], kwargs: Kwargs): unknown[] {
  const split = kwargs.split_lines === undefined ? true : truthy(kwargs.split_lines);
  const out: string[] = [];
  for (const t of terms.flat()) {
    const body = fetchOne(str(t), kwargs);
    // Python's splitlines(): \n, \r\n, \r and the other line boundaries
    if (split) out.push(...body.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/).filter((_, i, a) => i < a.length - 1 || a[i] !== ''));
    else out.push(body);
  }
  return out;
}
