"""The [security_headers] group: headers put on every response."""

from oslo_config import cfg

GROUP = 'security_headers'

OPTS = [
    cfg.StrOpt(
        'content_security_policy',
        default="default-src 'none'; frame-ancestors 'none'; "
                "base-uri 'none'; form-action 'none'",
        help='Content-Security-Policy value. A JSON API loads nothing, '
             'so nothing is allowed.'),
    cfg.StrOpt('x_frame_options', default='DENY',
               help='X-Frame-Options value.'),
    cfg.StrOpt('referrer_policy', default='no-referrer',
               help='Referrer-Policy value.'),
    cfg.StrOpt('cross_origin_resource_policy', default='same-origin',
               help='Cross-Origin-Resource-Policy value.'),
    cfg.StrOpt(
        'strict_transport_security',
        default='max-age=31536000; includeSubDomains',
        help='Strict-Transport-Security value, sent only on requests '
             'that came over HTTPS (directly, or per X-Forwarded-Proto '
             'when [oslo_middleware] enable_proxy_headers_parsing is '
             'on). Empty: never sent.'),
    cfg.BoolOpt(
        'cache_control_no_store',
        default=False,
        help='Send "Cache-Control: no-store" on every response instead '
             'of the microversion rules (no-cache from 1.15). Off by '
             'default because clients rely on those rules.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
