/*
 * tsplay stand-in for the NGINX-Wallarm module. TEST/DEMO ONLY.
 *
 * Real:  the directives are parsed and validated by NGINX itself, so `nginx -t` accepts the
 *        Wallarm directives in the contexts the Wallarm docs name and rejects bad values, an
 *        undefined upstream in wallarm_wstore_upstream / wallarm_tarantool_upstream, and missing
 *        TLS files when ssl=on.
 * Real:  on every real (re)load of the configuration (not on `nginx -t`, not on `nginx -s`) the
 *        master process writes the upstream that is now live to
 *        WALLARM_STANDIN_STATE_DIR/nginx-upstream.conf; the stand-in filtering agent
 *        (wallarm.service) reads it and opens the real TCP/TLS connections.
 * Real:  `wallarm_status on;` makes the location serve WALLARM_STANDIN_STATE_DIR/status.json
 *        (status.prom with ?format=prometheus), which the agent keeps up to date.
 * Not here: request analysis. Everything else is accepted as a no-op.
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#ifndef WALLARM_STANDIN_STATE_DIR
#define WALLARM_STANDIN_STATE_DIR "/opt/wallarm/var/lib/wallarm-standin"
#endif

typedef struct {
    ngx_str_t    directive;     /* wallarm_wstore_upstream or wallarm_tarantool_upstream */
    ngx_str_t    upstream;
    ngx_str_t    conf_file;
    ngx_uint_t   conf_line;
    ngx_flag_t   ssl;
    ngx_flag_t   skip_host_check;
    ngx_flag_t   insecure;
    ngx_str_t    cert;
    ngx_str_t    key;
    ngx_str_t    ca;
    ngx_http_upstream_srv_conf_t  *uscf;
} ngx_http_wallarm_main_conf_t;

typedef struct {
    ngx_flag_t   status;
} ngx_http_wallarm_loc_conf_t;

static void *ngx_http_wallarm_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_wallarm_create_loc_conf(ngx_conf_t *cf);
static ngx_int_t ngx_http_wallarm_postconf(ngx_conf_t *cf);
static ngx_int_t ngx_http_wallarm_init_module(ngx_cycle_t *cycle);
static char *ngx_http_wallarm_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_wallarm_mode_override(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_wallarm_flag(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_wallarm_noop(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_wallarm_upstream(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_wallarm_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

#define WL_ANY   (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)
#define WL_NOOP(name, ctx, args) \
    { ngx_string(name), ctx|args, ngx_http_wallarm_noop, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL }
#define WL_FLAG(name, ctx) \
    { ngx_string(name), ctx|NGX_CONF_TAKE1, ngx_http_wallarm_flag, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL }

static ngx_command_t ngx_http_wallarm_commands[] = {

    { ngx_string("wallarm_mode"), WL_ANY|NGX_HTTP_LIF_CONF|NGX_CONF_TAKE1,
      ngx_http_wallarm_mode, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("wallarm_mode_allow_override"), WL_ANY|NGX_CONF_TAKE1,
      ngx_http_wallarm_mode_override, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("wallarm_status"), NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_wallarm_status, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },

    { ngx_string("wallarm_wstore_upstream"), NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_wallarm_upstream, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { ngx_string("wallarm_tarantool_upstream"), NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_wallarm_upstream, NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },

    { ngx_string("wallarm_wstore_ssl_cert_file"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_wallarm_main_conf_t, cert), NULL },

    { ngx_string("wallarm_wstore_ssl_key_file"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_wallarm_main_conf_t, key), NULL },

    { ngx_string("wallarm_wstore_ssl_ca_cert_file"), NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_wallarm_main_conf_t, ca), NULL },

    WL_FLAG("disable_acl", WL_ANY),
    WL_FLAG("wallarm_enable_apifw", WL_ANY),
    WL_FLAG("wallarm_acl_access_phase", NGX_HTTP_MAIN_CONF),
    WL_FLAG("wallarm_parse_response", WL_ANY),
    WL_FLAG("wallarm_parse_websocket", WL_ANY),
    WL_FLAG("wallarm_unpack_response", WL_ANY),
    WL_FLAG("wallarm_process_time_limit_block", WL_ANY),
    WL_FLAG("wallarm_enable_libdetection", WL_ANY),
    WL_FLAG("wallarm_force_response_phase", WL_ANY),

    WL_NOOP("wallarm_application", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_instance", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_process_time_limit", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_block_page", WL_ANY, NGX_CONF_1MORE),
    WL_NOOP("wallarm_block_page_add_dynamic_path", NGX_HTTP_MAIN_CONF, NGX_CONF_1MORE),
    WL_NOOP("wallarm_fallback", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_force", WL_ANY, NGX_CONF_TAKE2),
    WL_NOOP("wallarm_srv_include", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_timeslice", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_request_chunk_size", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_ts_request_memory_limit", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_worker_rlimit_vmem", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_custom_ruleset_path", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_protondb_path", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_global_trainingset_path", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_key_path", WL_ANY, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_upstream_connect_attempts", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_upstream_reconnect_interval", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_upstream_connect_timeout", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_upstream_queue_limit", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_upstream_queue_memory_limit", NGX_HTTP_MAIN_CONF, NGX_CONF_TAKE1),
    WL_NOOP("wallarm_api_firewall_mode", WL_ANY, NGX_CONF_TAKE1),

    ngx_null_command
};

static ngx_http_module_t ngx_http_wallarm_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_wallarm_postconf,             /* postconfiguration */
    ngx_http_wallarm_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */
    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */
    ngx_http_wallarm_create_loc_conf,      /* create location configuration */
    NULL                                   /* merge location configuration */
};

ngx_module_t ngx_http_wallarm_module = {
    NGX_MODULE_V1,
    &ngx_http_wallarm_module_ctx,
    ngx_http_wallarm_commands,
    NGX_HTTP_MODULE,
    NULL,                                  /* init master */
    ngx_http_wallarm_init_module,          /* init module */
    NULL, NULL, NULL, NULL, NULL,
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_wallarm_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_wallarm_main_conf_t  *wmcf;

    wmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_wallarm_main_conf_t));
    if (wmcf == NULL) {
        return NULL;
    }
    wmcf->ssl = 0;
    return wmcf;
}


static void *
ngx_http_wallarm_create_loc_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_wallarm_loc_conf_t));
}


static ngx_int_t
ngx_http_wallarm_one_of(ngx_str_t *v, char **allowed)
{
    for ( /* void */ ; *allowed; allowed++) {
        if (v->len == ngx_strlen(*allowed)
            && ngx_strncmp(v->data, *allowed, v->len) == 0)
        {
            return 1;
        }
    }
    return 0;
}


static char *
ngx_http_wallarm_mode(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    static char  *modes[] = { "off", "monitoring", "safe_blocking", "block", NULL };
    ngx_str_t    *value = cf->args->elts;

    if (value[1].len > 1 && value[1].data[0] == '$') {
        return NGX_CONF_OK;
    }
    if (!ngx_http_wallarm_one_of(&value[1], modes)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it must be "
                           "\"off\", \"monitoring\", \"safe_blocking\" or \"block\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


static char *
ngx_http_wallarm_mode_override(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    static char  *values[] = { "off", "learning", "on", NULL };
    ngx_str_t    *value = cf->args->elts;

    if (!ngx_http_wallarm_one_of(&value[1], values)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it must be "
                           "\"off\", \"learning\" or \"on\"", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


static char *
ngx_http_wallarm_flag(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    static char  *values[] = { "on", "off", NULL };
    ngx_str_t    *value = cf->args->elts;

    if (!ngx_http_wallarm_one_of(&value[1], values)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it must be \"on\" or \"off\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }
    return NGX_CONF_OK;
}


static char *
ngx_http_wallarm_noop(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return NGX_CONF_OK;
}


static char *
ngx_http_wallarm_onoff_param(ngx_conf_t *cf, ngx_str_t *arg, size_t prefix, ngx_flag_t *out)
{
    ngx_str_t  v;

    v.data = arg->data + prefix;
    v.len = arg->len - prefix;
    if (v.len == 2 && ngx_strncmp(v.data, "on", 2) == 0) {
        *out = 1;
        return NGX_CONF_OK;
    }
    if (v.len == 3 && ngx_strncmp(v.data, "off", 3) == 0) {
        *out = 0;
        return NGX_CONF_OK;
    }
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", arg);
    return NGX_CONF_ERROR;
}


static char *
ngx_http_wallarm_upstream(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_wallarm_main_conf_t *wmcf = conf;
    ngx_str_t                    *value = cf->args->elts;
    ngx_uint_t                    i;
    char                         *rv;

    if (wmcf->upstream.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" directive is duplicate, \"%V %V\" is already set",
                           &cmd->name, &wmcf->directive, &wmcf->upstream);
        return NGX_CONF_ERROR;
    }

    wmcf->directive = cmd->name;
    wmcf->upstream = value[1];
    wmcf->conf_file = cf->conf_file->file.name;
    wmcf->conf_line = cf->conf_file->line;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "ssl=", 4) == 0) {
            rv = ngx_http_wallarm_onoff_param(cf, &value[i], 4, &wmcf->ssl);
        } else if (ngx_strncmp(value[i].data, "skip_host_check=", 16) == 0) {
            rv = ngx_http_wallarm_onoff_param(cf, &value[i], 16, &wmcf->skip_host_check);
        } else if (ngx_strncmp(value[i].data, "insecure=", 9) == 0) {
            rv = ngx_http_wallarm_onoff_param(cf, &value[i], 9, &wmcf->insecure);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
        if (rv != NGX_CONF_OK) {
            return rv;
        }
    }
    return NGX_CONF_OK;
}


static ngx_int_t ngx_http_wallarm_status_handler(ngx_http_request_t *r);

static char *
ngx_http_wallarm_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    static char                  *formats[] = { "format=json", "format=prometheus", NULL };
    ngx_http_wallarm_loc_conf_t  *wlcf = conf;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_str_t                    *value = cf->args->elts;
    ngx_uint_t                    i;

    if (value[1].len == 2 && ngx_strncmp(value[1].data, "on", 2) == 0) {
        wlcf->status = 1;
    } else if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        wlcf->status = 0;
    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it must be \"on\" or \"off\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }
    for (i = 2; i < cf->args->nelts; i++) {
        if (!ngx_http_wallarm_one_of(&value[i], formats)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }
    if (wlcf->status) {
        clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
        clcf->handler = ngx_http_wallarm_status_handler;
    }
    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_wallarm_file_readable(ngx_conf_t *cf, ngx_str_t *name, const char *what)
{
    u_char  path[NGX_MAX_PATH];

    if (name->len == 0) {
        return NGX_OK;
    }
    if (name->len >= NGX_MAX_PATH) {
        return NGX_ERROR;
    }
    ngx_cpystrn(path, name->data, name->len + 1);
    if (access((const char *) path, R_OK) != 0) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, ngx_errno,
                      "wallarm: cannot load %s \"%V\"", what, name);
        return NGX_ERROR;
    }
    return NGX_OK;
}


static ngx_int_t
ngx_http_wallarm_postconf(ngx_conf_t *cf)
{
    ngx_http_wallarm_main_conf_t   *wmcf;
    ngx_http_upstream_main_conf_t  *umcf;
    ngx_http_upstream_srv_conf_t  **uscfp;
    ngx_uint_t                      i;

    wmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_wallarm_module);
    if (wmcf->upstream.len == 0) {
        return NGX_OK;
    }

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscfp = umcf->upstreams.elts;
    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if ((uscfp[i]->flags & NGX_HTTP_UPSTREAM_CREATE)
            && uscfp[i]->host.len == wmcf->upstream.len
            && ngx_strncmp(uscfp[i]->host.data, wmcf->upstream.data, wmcf->upstream.len) == 0)
        {
            wmcf->uscf = uscfp[i];
            break;
        }
    }
    if (wmcf->uscf == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "no upstream \"%V\" defined for \"%V\" directive in %V:%ui",
                      &wmcf->upstream, &wmcf->directive, &wmcf->conf_file, wmcf->conf_line);
        return NGX_ERROR;
    }

    if (wmcf->ssl) {
        if ((wmcf->cert.len == 0) != (wmcf->key.len == 0)) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "wallarm: \"wallarm_wstore_ssl_cert_file\" and "
                          "\"wallarm_wstore_ssl_key_file\" must be set together");
            return NGX_ERROR;
        }
        if (ngx_http_wallarm_file_readable(cf, &wmcf->cert, "certificate") != NGX_OK
            || ngx_http_wallarm_file_readable(cf, &wmcf->key, "certificate key") != NGX_OK
            || ngx_http_wallarm_file_readable(cf, &wmcf->ca, "CA certificate") != NGX_OK)
        {
            return NGX_ERROR;
        }
    }
    return NGX_OK;
}


/* Written on real (re)loads only: this is the upstream the running NGINX uses. */
static ngx_int_t
ngx_http_wallarm_init_module(ngx_cycle_t *cycle)
{
    ngx_http_wallarm_main_conf_t  *wmcf;
    ngx_http_upstream_server_t    *us;
    ngx_uint_t                     i, j;
    u_char                        *buf, *p, *last;
    size_t                         size = 65536;
    ngx_fd_t                       fd;
    static u_char                  tmp[] = WALLARM_STANDIN_STATE_DIR "/nginx-upstream.conf.tmp";
    static u_char                  dst[] = WALLARM_STANDIN_STATE_DIR "/nginx-upstream.conf";

    if (ngx_test_config || ngx_process == NGX_PROCESS_SIGNALLER) {
        return NGX_OK;
    }
    if (cycle->conf_ctx[ngx_http_module.index] == NULL) {
        return NGX_OK;
    }
    wmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_wallarm_module);
    if (wmcf == NULL) {
        return NGX_OK;
    }

    buf = ngx_alloc(size, cycle->log);
    if (buf == NULL) {
        return NGX_OK;
    }
    last = buf + size;
    p = ngx_slprintf(buf, last,
                     "directive=%V\nupstream=%V\nssl=%s\nskip_host_check=%s\ninsecure=%s\n"
                     "cert=%V\nkey=%V\nca=%V\nmaster_pid=%P\n",
                     &wmcf->directive, &wmcf->upstream,
                     wmcf->ssl ? "on" : "off", wmcf->skip_host_check ? "on" : "off",
                     wmcf->insecure ? "on" : "off", &wmcf->cert, &wmcf->key, &wmcf->ca,
                     ngx_pid);
    if (wmcf->uscf && wmcf->uscf->servers) {
        us = wmcf->uscf->servers->elts;
        for (i = 0; i < wmcf->uscf->servers->nelts; i++) {
            if (us[i].down || us[i].backup) {
                continue;
            }
            for (j = 0; j < us[i].naddrs; j++) {
                p = ngx_slprintf(p, last, "server=%V\n", &us[i].addrs[j].name);
            }
        }
    }

    fd = ngx_open_file(tmp, NGX_FILE_WRONLY, NGX_FILE_TRUNCATE, 0644);
    if (fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno,
                      "wallarm: cannot write \"%s\"", tmp);
        ngx_free(buf);
        return NGX_OK;
    }
    if (write(fd, buf, p - buf) != p - buf) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno, "wallarm: write \"%s\" failed", tmp);
    }
    ngx_close_file(fd);
    if (ngx_rename_file(tmp, dst) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno, "wallarm: rename \"%s\" failed", tmp);
    }
    ngx_free(buf);
    return NGX_OK;
}


static ngx_int_t
ngx_http_wallarm_status_handler(ngx_http_request_t *r)
{
    static u_char  json_path[] = WALLARM_STANDIN_STATE_DIR "/status.json";
    static u_char  prom_path[] = WALLARM_STANDIN_STATE_DIR "/status.prom";
    static u_char  missing[] = "{\"error\":\"wallarm-status: no statistics yet "
                               "(is wallarm.service running?)\"}\n";
    u_char        *path = json_path, *data;
    ngx_int_t      rc;
    ngx_fd_t       fd;
    ssize_t        n, total = 0, cap = 65536;
    ngx_buf_t     *b;
    ngx_chain_t    out;
    ngx_uint_t     status = NGX_HTTP_OK;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }
    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }
    if (r->args.len && ngx_strlcasestrn(r->args.data, r->args.data + r->args.len,
                                        (u_char *) "format=prometheus", 17 - 1) != NULL)
    {
        path = prom_path;
    }

    data = ngx_pnalloc(r->pool, cap);
    if (data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        status = NGX_HTTP_SERVICE_UNAVAILABLE;
        total = sizeof(missing) - 1;
        ngx_memcpy(data, missing, total);
    } else {
        while (total < cap && (n = read(fd, data + total, cap - total)) > 0) {
            total += n;
        }
        ngx_close_file(fd);
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = total;
    if (path == prom_path) {
        ngx_str_set(&r->headers_out.content_type, "text/plain; version=0.0.4");
    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }
    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
    b->pos = data;
    b->last = data + total;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    out.buf = b;
    out.next = NULL;
    return ngx_http_output_filter(r, &out);
}
