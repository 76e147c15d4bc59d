"""The [api] group: how requests are authenticated and read."""

from oslo_config import cfg

GROUP = 'api'

OPTS = [
    cfg.StrOpt(
        'auth_strategy',
        default='noauth2',
        choices=[
            ('noauth2', 'Development and tests only: the X-Auth-Token '
                        'value names the user ("user" or "user:project") '
                        'and the client\'s X-Roles, X-Project-Id and '
                        'OpenStack-System-Scope headers are trusted.'),
            ('keystone', 'Tokens are validated by keystonemiddleware '
                         'auth_token ([keystone_authtoken] group).'),
        ],
        help='How incoming requests are authenticated. The request body '
             'size limit is [oslo_middleware] max_request_body_size.'),
    cfg.IntOpt(
        'max_json_depth',
        default=8,
        min=2,
        max=64,
        help='Deepest nesting of objects and arrays accepted in a '
             'request body; deeper bodies are refused with 400. The '
             'deepest valid body of this API nests 4 levels.'),
    cfg.BoolOpt(
        'serve_openapi',
        default=False,
        help='Serve the OpenAPI description of this API at '
             'GET /openapi.json, without authentication.'),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
