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
import { quote, raw } from '../../commands/quote.js';
import type { RunResult } from '../../executors/types.js';
import { defineModule, type Outcome } from '../types.js';
import { bool, idArg, int, octalMode, str, withAliases } from './args.js';
import { curlConfig, headerEntries, headersArg, redactUrl } from './curl.js';
import { selinuxArgs } from '../files/common.js';

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
    dest: str.refine((d) => d !== '', { message: 'dest cannot be empty' }).optional(),
    mode: octalMode.optional(),
    owner: idArg.optional(),
    group: idArg.optional(),
    ...selinuxArgs,
    creates: str.optional(),
    removes: str.optional(),
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
  const skip = new RegExp(`^${SKIP} (creates|removes)$`, 'm').exec(r.stdout)?.[1];
  if (skip === 'creates') return { changed: false, result: { stdout: `skipped, since '${a.creates}' exists`, changed: false } };
  if (skip === 'removes') return { changed: false, result: { stdout: `skipped, since '${a.removes}' does not exist`, changed: false } };
  const saved = a.dest !== undefined ? parseSaved(r.stdout) : undefined;
  if (saved?.error) {
    const msg = saved.error;
    return { changed: false, failed: msg, msg, result: { msg, url, status: -1 } };
  }
  const resp = r.rc === 0 ? parseCurlResponse(saved ? saved.rest : r.stdout) : undefined;
  if (!resp || resp.status === 0) {
    const why = r.stderr.trim() || (r.timedOut ? 'timed out' : `curl exited with ${r.rc}`);
    const msg = `Status code was -1 and not ${wantText}: Request failed: ${why}`;
    return { changed: false, failed: msg, msg, result: { status: -1, url, msg, redirected: false, elapsed: Math.round(r.durationMs / 1000) } };
  }
  const ok = want.includes(resp.status);
  const result: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resp.headers)) result[k.replace(/-/g, '_')] = v;
  const size = resp.headers['content-length'] ?? (saved ? 'unknown' : Buffer.byteLength(resp.body));
  const msg = resp.status === 304 ? 'HTTP Error 304: Not Modified' : resp.status >= 400 ? `HTTP Error ${resp.status}: ${resp.reason}` : `OK (${size} bytes)`;
  Object.assign(result, {
    status: resp.status,
    url: redactUrl(resp.url || a.url),
    redirected: resp.redirects > 0,
    elapsed: Math.round(r.durationMs / 1000),
    changed: false,
    msg,
  });
  // dest: written when the status is wanted and not 304 — always a change, as ansible's uri reports.
  if (saved) {
    if (saved.written) result.changed = true;
    if (saved.path !== undefined) {
      result.path = saved.path;
      Object.assign(result, saved.stat ?? {});
    }
    if (saved.attrError) {
      const m = `failed to set attributes on ${saved.path}: ${saved.attrError}`;
      return { changed: saved.written, failed: m, msg: m, result: { ...result, msg: m } };
    }
  }
  // As ansible: `content` only with return_content; `json` whenever the type says JSON (the body is read then).
  if (a.return_content) result.content = resp.body;
  if (/[/+]json\b/i.test(resp.headers['content-type'] ?? '')) {
    try {
      result.json = JSON.parse(resp.body);
    } catch {
      // Not JSON after all.
    }
  }
  if (!ok) {
    const failMsg = `Status code was ${resp.status} and not ${wantText}: ${msg}`;
    result.msg = failMsg;
    return { changed: false, failed: failMsg, msg: failMsg, result };
  }
  return { changed: result.changed === true, msg, result };
}

const SKIP = '__TSPLAY_URI_SKIP__';
const SAVED = '__TSPLAY_URI_SAVED__';

interface Saved {
  /** Output before our dest report: headers (and the body, when read) and curl's trailer. */
  rest: string;
  written: boolean;
  path?: string;
  stat?: Record<string, unknown>;
  attrError?: string;
  error?: string;
}

/** The dest script's report lines (after the response): path, whether it was written, its stat. */
function parseSaved(stdout: string): Saved {
  const at = stdout.indexOf(`\n${SAVED} `);
  const rest = at >= 0 ? stdout.slice(0, at) : stdout;
  const tail = at >= 0 ? stdout.slice(at + 1) : '';
  const get = (k: string) => new RegExp(`^${SAVED} ${k}=(.*)$`, 'm').exec(tail)?.[1];
  const out: Saved = { rest, written: get('written') === '1' };
  const p = get('path');
  if (p !== undefined) out.path = p;
  const err = get('error');
  if (err !== undefined) out.error = err;
  const attr = get('attr_error');
  if (attr !== undefined) out.attrError = attr || 'failed';
  const st = get('stat')?.split(' ');
  if (st && st.length >= 7) {
    const [uid, gid, owner, group, mode, size, ...type] = st;
    const t = type.join(' ');
    out.stat = {
      uid: Number(uid),
      gid: Number(gid),
      owner,
      group,
      mode: `0${parseInt(mode!, 8).toString(8).padStart(3, '0')}`,
      state: t === 'directory' ? 'directory' : t === 'symbolic link' ? 'link' : 'file',
      size: Number(size),
    };
  }
  return out;
}

/** A `path`-type argument as the host's shell word: `~/x` under $HOME, else quoted as it is. */
function hostPath(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"/${quote(p.slice(2))}`;
  return quote(p);
}

/**
 * creates/removes tests before the request; with dest, curl writes headers and body to temp files,
 * sends If-Modified-Since from an existing dest's mtime (as ansible's fetch_url), and the body
 * replaces dest when the status is wanted and not 304 (a directory dest gets the response's
 * filename: Content-Disposition, else the final URL's last segment, else index.html).
 */
export function uriScript(a: UriArgs, curl: string, want: number[], readBody: boolean): string {
  let s = '';
  if (a.creates !== undefined) s += `if [ -e ${hostPath(a.creates)} ]; then echo '${SKIP} creates'; exit 0; fi; `;
  if (a.removes !== undefined) s += `if [ ! -e ${hostPath(a.removes)} ]; then echo '${SKIP} removes'; exit 0; fi; `;
  if (a.dest === undefined) return `${s}${curl}`;
  const r = `${SAVED}`;
  s += `d=${hostPath(a.dest)}; ims=; if [ -f "$d" ]; then ims="If-Modified-Since: $(LC_ALL=C date -u -r "$d" '+%a, %d %b %Y %H:%M:%S GMT')"; fi; `;
  s += `h=$(mktemp) && t=$(mktemp) || { echo; echo "${r} error=could not create a temporary file"; exit 0; }; `;
  s += `w=$(${curl} -D "$h" -o "$t" \${ims:+-H "$ims"}); rc=$?; `;
  s += `code=\${w##*${MARK} }; code=\${code%% *}; ok=0; case " ${want.join(' ')} " in *" $code "*) ok=1;; esac; `;
  // The body is read (printed) when ansible reads it: return_content, a JSON type, an unwanted status.
  s += `cat "$h"; if [ "$ok" = 0 ]${readBody ? ' || true' : ''} || grep -qiE '^content-type:[^;]*[/+]json' "$h"; then cat "$t"; fi; printf '%s\\n' "$w"; `;
  s += `if [ "$rc" -ne 0 ]; then rm -f -- "$h" "$t"; exit "$rc"; fi; `;
  s += `if [ -d "$d" ]; then fn=$(tr -d '\\r' < "$h" | sed -n 's/^[Cc]ontent-[Dd]isposition:.*filename="\\{0,1\\}\\([^";]*\\)"\\{0,1\\}.*$/\\1/p' | tail -n 1); `;
  s += `if [ -z "$fn" ]; then u=\${w##*${MARK} }; u=\${u#* }; u=\${u#* }; u=\${u%%[?#]*}; u=\${u%/}; case "$u" in *://*/*) fn=\${u##*/};; esac; fi; `;
  s += `d="\${d%/}/\${fn:-index.html}"; fi; `;
  s += `if [ "$ok" = 1 ] && [ "$code" != 304 ]; then `;
  s += `if [ -e "$d" ]; then chmod "$(stat -c %a -- "$d")" -- "$t"; chown "$(stat -c %u:%g -- "$d")" -- "$t" 2>/dev/null; else chmod "$(printf '%o' $((0666 & ~$(umask))))" -- "$t"; fi; `;
  s += `if ! cmp -s -- "$t" "$d"; then mv -f -- "$t" "$d" || { rm -f -- "$h" "$t"; echo "${r} error=failed to copy the response to $d"; exit 0; }; fi; `;
  s += `echo "${r} written=1"; e=; `;
  if (a.mode) s += `chmod ${a.mode} -- "$d" 2>/tmp/.tsplay-uri-e.$$ || e=1; `;
  if (a.owner) s += `chown ${quote(a.owner)} -- "$d" 2>>/tmp/.tsplay-uri-e.$$ || e=1; `;
  if (a.group) s += `chgrp ${quote(a.group)} -- "$d" 2>>/tmp/.tsplay-uri-e.$$ || e=1; `;
  s += `if [ -n "$e" ]; then echo "${r} attr_error=$(tr '\\n' ' ' < /tmp/.tsplay-uri-e.$$)"; fi; rm -f /tmp/.tsplay-uri-e.$$; fi; `;
  s += `rm -f -- "$h" "$t"; printf '${r} path=%s\\n' "$d"; if [ -e "$d" ]; then echo "${r} stat=$(stat -c '%u %g %U %G %a %s %F' -- "$d")"; fi`;
  return s;
}

export const uriModule = defineModule<UriArgs>({
  name: 'uri',
  factsFree: true,
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
    const withFiles = a.dest !== undefined;
    const flags = [
      withFiles ? 'curl -sS -K -' : 'curl -sS -i -K -',
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
          cmd: raw(uriScript(a, flags.join(' '), a.status_code ?? [200], a.return_content === true)),
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
