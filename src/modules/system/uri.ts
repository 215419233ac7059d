/**
 * `uri`: an HTTP request from the host (curl on the target). Status, headers, body and parsed JSON
 * come back in the result; a status outside `status_code` fails like Ansible.
 *
 * changed: always false (Ansible's uri never reports a change; use `changed_when` for a POST that
 * does change something). Check mode: like Ansible (no check-mode support) the request is not sent
 * and the task reports "would run" (`unpredictable`), for every method, since even a GET may trigger
 * effects on the server.
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome } from '../types.js';
import { bool, int, str, withAliases } from './args.js';
import { curlConfig, headerEntries, headersArg, redactUrl } from './curl.js';

const statusList = z.preprocess((v) => (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' && /^\d+$/.test(x.trim()) ? Number(x) : x)), z.array(z.number().int()));

export const uriArgs = withAliases(
  // ansible's uri: url_username's alias is `user` (get_url's is `username`).
  { user: 'url_username', password: 'url_password' },
  z.strictObject({
    url: str.refine((u) => /^https?:\/\//i.test(u), { message: 'url must start with http:// or https://' }),
    method: str
      .transform((m) => m.toUpperCase())
      .refine((m) => /^[A-Z]+$/.test(m), { message: 'method must be a word like GET or POST' })
      .optional(),
    body: z.unknown().optional(),
    body_format: z.enum(['raw', 'json', 'form-urlencoded']).optional(),
    headers: headersArg(z),
    status_code: statusList.optional(),
    return_content: bool.optional(),
    timeout: int.optional(),
    validate_certs: bool.optional(),
    follow_redirects: z.union([bool.transform((b) => (b ? 'all' : 'none')), z.enum(['all', 'safe', 'none', 'urllib2'])]).optional(),
    url_username: str.optional(),
    url_password: str.optional(),
    force_basic_auth: bool.optional(),
  }),
);
export type UriArgs = z.infer<typeof uriArgs>;

const MARK = '__TSPLAY_URI__';

/** The request body text and the content type it implies, or an error message. */
export function requestBody(a: UriArgs): { text?: string; contentType?: string } | string {
  if (a.body === undefined || a.body === null) return {};
  const fmt = a.body_format ?? 'raw';
  if (fmt === 'json') return { text: typeof a.body === 'string' ? a.body : JSON.stringify(a.body), contentType: 'application/json' };
  if (fmt === 'form-urlencoded') {
    if (typeof a.body === 'string') return { text: a.body, contentType: 'application/x-www-form-urlencoded' };
    if (typeof a.body !== 'object' || Array.isArray(a.body)) return 'body must be a mapping or a string with body_format form-urlencoded';
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(a.body as Record<string, unknown>)) p.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    return { text: p.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  if (typeof a.body === 'string' || typeof a.body === 'number' || typeof a.body === 'boolean') return { text: String(a.body) };
  return 'body must be a string with body_format raw (use body_format: json for structured data)';
}

export interface HttpResponse {
  status: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
  redirects: number;
  url: string;
}

/** curl -i output + our -w trailer → the final response. */
export function parseCurlResponse(stdout: string): HttpResponse | undefined {
  const at = stdout.lastIndexOf(`\n${MARK} `);
  if (at < 0) return undefined;
  const [code, redirects, ...urlParts] = stdout
    .slice(at + MARK.length + 2)
    .trim()
    .split(' ');
  let text = stdout.slice(0, at);
  let block = '';
  while (/^HTTP\/[\d.]+ \d{3}/.test(text)) {
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf <= lf) ? crlf : lf;
    const sep = end === crlf ? 4 : 2;
    if (end < 0) {
      block = text;
      text = '';
      break;
    }
    block = text.slice(0, end);
    text = text.slice(end + sep);
  }
  const lines = block.split(/\r?\n/);
  const statusLine = /^HTTP\/[\d.]+ (\d{3})\s*(.*)$/.exec(lines[0] ?? '');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i <= 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
  }
  const status = Number(code) || Number(statusLine?.[1] ?? 0);
  return {
    status,
    reason: statusLine?.[2]?.trim() || STATUS_CODES[status] || '',
    headers,
    body: text,
    redirects: Number(redirects) || 0,
    url: urlParts.join(' '),
  };
}

export function interpretUri(a: UriArgs, r: RunResult | undefined): Outcome {
  const want = a.status_code ?? [200];
  const wantText = `[${want.join(', ')}]`;
  const url = redactUrl(a.url);
  if (!r) return { changed: false, failed: 'the request did not run', result: { url } };
  const resp = r.rc === 0 ? parseCurlResponse(r.stdout) : undefined;
  if (!resp || resp.status === 0) {
    const why = r.stderr.trim() || (r.timedOut ? 'timed out' : `curl exited with ${r.rc}`);
    const msg = `Status code was -1 and not ${wantText}: Request failed: ${why}`;
    return { changed: false, failed: msg, msg, result: { status: -1, url, msg, redirected: false, elapsed: Math.round(r.durationMs / 1000) } };
  }
  const ok = want.includes(resp.status);
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resp.headers)) result[k.replace(/-/g, '_')] = v;
  const msg = resp.status >= 400 ? `HTTP Error ${resp.status}: ${resp.reason}` : `OK (${resp.headers['content-length'] ?? Buffer.byteLength(resp.body)} bytes)`;
  Object.assign(result, {
    status: resp.status,
    url: redactUrl(resp.url || a.url),
    redirected: resp.redirects > 0,
    elapsed: Math.round(r.durationMs / 1000),
    changed: false,
    msg,
  });
  if (a.return_content || !ok) {
    result.content = resp.body;
    if (/[/+]json\b/i.test(resp.headers['content-type'] ?? '')) {
      try {
        result.json = JSON.parse(resp.body);
      } catch {
        // Not JSON after all: content is still there.
      }
    }
  }
  if (!ok) {
    const failMsg = `Status code was ${resp.status} and not ${wantText}: ${msg}`;
    result.msg = failMsg;
    return { changed: false, failed: failMsg, msg: failMsg, result };
  }
  return { changed: false, msg, result };
}

export const uriModule = defineModule<UriArgs>({
  name: 'uri',
  description: 'Send an HTTP request from the host (curl on the target); fails unless the status is in status_code.',
  args: uriArgs,
  plan(a) {
    const body = requestBody(a);
    if (typeof body === 'string') return { changed: false, commands: [], failed: body, result: { msg: body } };
    const method = a.method ?? 'GET';
    const follow = a.follow_redirects ?? 'safe';
    const followThis = follow === 'all' || ((follow === 'safe' || follow === 'urllib2') && (method === 'GET' || method === 'HEAD'));
    const headers = { ...(a.headers ?? {}) };
    const hasCt = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
    if (body.contentType && !hasCt) headers['Content-Type'] = body.contentType;
    const entries: Array<[string, string]> = [['url', a.url], ...headerEntries(headers)];
    if (body.text !== undefined) entries.push(['data-raw', body.text]);
    if (a.url_username !== undefined) entries.push(['user', `${a.url_username}:${a.url_password ?? ''}`]);
    // -X only where curl would not pick the method itself, so redirects of a POST behave like a browser.
    if (method === 'HEAD') entries.push(['head', '']);
    else if (!(method === 'GET' && body.text === undefined) && !(method === 'POST' && body.text !== undefined)) entries.push(['request', method]);
    const cfg = curlConfig(entries).replace(/^head = ""\n/m, 'head\n');
    const timeout = a.timeout ?? 30;
    const flags = [
      'curl -sS -i -K -',
      `-w '\\n${MARK} %{http_code} %{num_redirects} %{url_effective}'`,
      `--max-time ${timeout}`,
      followThis ? '-L --max-redirs 20' : '',
      a.validate_certs === false ? '-k' : '',
    ].filter(Boolean);
    return {
      changed: false,
      unpredictable: true,
      commands: [
        {
          kind: 'shell',
          cmd: raw(flags.join(' ')),
          stdin: cfg,
          mayFail: true,
          describe: `${method} ${redactUrl(a.url)}`,
          timeoutMs: (timeout + 30) * 1000,
        },
      ],
      interpret: (outputs) => interpretUri(a, outputs[0]),
    };
  },
});
