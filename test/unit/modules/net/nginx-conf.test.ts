import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConf, printConf, NginxParseError, type Directive } from '../../../../src/modules/net/nginx-conf.js';

const debian = readFileSync(new URL('./fixtures/debian-nginx.conf', import.meta.url), 'utf8');

const tricky = [
  '# top comment\r\n',
  'user  nginx;\r\n',
  'load_module "/usr/lib/nginx/modules/ngx_http_wallarm_module.so";',
  '\n\nhttp{',
  '\n\tlog_format main \'$remote_addr - "$request" ${request_time}s\';',
  '\n\tmap $http_upgrade $conn { default upgrade; "" close; }',
  '\n\tserver {listen 127.0.0.8:80;server_name "a b" c\\ d;',
  '\n\t\tlocation ~ ^/wallarm-status$ { wallarm_status on; }  # trailing comment',
  '\n\t\tlocation ~* \\.(?:png|jpe?g)$ {return 200 "x;y{z}";}',
  '\n\t\trewrite ^/(.*)$ /index.php?q=$1 # inside a directive\n last;',
  '\n\t}',
  '\n\t# wallarm_wstore_upstream wallarm_wstore;',
  '\n}',
].join('');

describe('nginx config parser and printer', () => {
  it("prints Debian's default nginx.conf back byte for byte", () => {
    expect(printConf(parseConf(debian))).toBe(debian);
  });

  it('prints quoted strings, ${var}, escapes, CRLF, comments inside directives and no final newline back unchanged', () => {
    expect(printConf(parseConf(tricky))).toBe(tricky);
  });

  it('reads directives, args (quotes removed) and blocks', () => {
    const f = parseConf(tricky);
    const http = f.children.find((n): n is Directive => n.kind === 'directive' && n.name.value === 'http')!;
    expect(http.block).toBeDefined();
    const names = http.block!.children.map((n) => (n.kind === 'directive' ? n.name.value : n.text));
    expect(names).toEqual(['log_format', 'map', 'server', '# wallarm_wstore_upstream wallarm_wstore;']);
    const server = http.block!.children[2] as Directive;
    const sn = server.block!.children.find((n): n is Directive => n.kind === 'directive' && n.name.value === 'server_name')!;
    expect(sn.args.map((a) => a.value)).toEqual(['a b', 'c d']);
    const ret = server.block!.children.filter((n): n is Directive => n.kind === 'directive' && n.name.value === 'location')[1]!.block!.children[0] as Directive;
    expect(ret.args.map((a) => a.value)).toEqual(['200', 'x;y{z}']);
    const lf = http.block!.children[0] as Directive;
    expect(lf.args[1]!.value).toBe('$remote_addr - "$request" ${request_time}s');
  });

  it('keeps line numbers for directives', () => {
    const f = parseConf(debian);
    const http = f.children.find((n): n is Directive => n.kind === 'directive' && n.name.value === 'http')!;
    expect(debian.split('\n')[http.line - 1]).toMatch(/^http \{/);
  });

  it.each([
    ['http {\n  server {\n', /line 3: unexpected end of file/],
    ['events { }\n}\n', /line 2: unexpected "}"/],
    ['user nginx\n', /has no ending ";"/],
    ['log_format x "abc;\n', /unterminated double quote/],
    ['; user x;', /unexpected ";"/],
  ])('rejects %j with a line number', (text, msg) => {
    expect(() => parseConf(text)).toThrow(NginxParseError);
    expect(() => parseConf(text)).toThrow(msg);
  });
});
