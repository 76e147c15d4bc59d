"""The committed sample files match what the generators produce now.

When an option or a policy rule changes, regenerate them with
``tox -e genconfig`` and ``tox -e genpolicy``.
"""

import pathlib

import pytest
from oslo_config import generator as config_generator
from oslo_policy import generator as policy_generator

ETC = pathlib.Path(__file__).parents[2] / 'etc' / 'placement-min'

SAMPLES = {
    'placement-min.conf.sample': (config_generator.main,
                                  'config-generator.conf'),
    'policy.yaml.sample': (policy_generator.generate_sample,
                           'policy-generator.conf'),
}


@pytest.mark.parametrize('sample', SAMPLES)
def test_sample_is_current(tmp_path, sample):
    generate, generator_conf = SAMPLES[sample]
    output = tmp_path / sample
    generate(['--config-file', str(ETC / generator_conf),
              '--output-file', str(output)])
    committed = (ETC / sample).read_text()
    assert output.read_text() == committed, (
        f'{sample} is stale: regenerate it with tox -e genconfig / '
        'genpolicy')


def test_samples_name_every_rule_and_group():
    policy = (ETC / 'policy.yaml.sample').read_text()
    assert '"placement:resource_providers:inventories:update"' in policy
    conf = (ETC / 'placement-min.conf.sample').read_text()
    for group in ('[api]', '[placement_database]', '[security_headers]',
                  '[oslo_middleware]'):
        assert group in conf
