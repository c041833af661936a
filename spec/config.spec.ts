import { expect } from 'chai';
import { BigraysConfig, ConfigurationError, resetConfig } from '../lib';
import { configFlag, effectiveConfig } from '../lib/config';

describe('BigraysConfig', () => {
  it('should prefer a value assigned in code over the env var over the default', () => {
    expect(BigraysConfig.AWS_REQUIRE_SECRETS).to.equal(true);
    process.env.BIGRAYS_AWS_REQUIRE_SECRETS = 'false';
    expect(BigraysConfig.AWS_REQUIRE_SECRETS).to.equal('false');
    BigraysConfig.AWS_REQUIRE_SECRETS = true;
    expect(BigraysConfig.AWS_REQUIRE_SECRETS).to.equal(true);
    delete BigraysConfig.AWS_REQUIRE_SECRETS;
    expect(BigraysConfig.AWS_REQUIRE_SECRETS).to.equal('false');
  });

  it('should read env vars when used, not at import', () => {
    expect(BigraysConfig.AWS_REGION).to.equal(undefined);
    process.env.BIGRAYS_AWS_REGION = 'eu-west-1';
    expect(BigraysConfig.AWS_REGION).to.equal('eu-west-1');
  });

  it('should expose every BIGRAYS_ env var, known or not', () => {
    process.env.BIGRAYS_MY_CONFIG = '1';
    expect(BigraysConfig.MY_CONFIG).to.equal('1');
    expect(Object.keys(BigraysConfig)).to.include('MY_CONFIG');
    expect({ ...BigraysConfig }).to.include({ MY_CONFIG: '1', AWS_REQUIRE_SECRETS: true });
    expect('MY_CONFIG' in BigraysConfig).to.equal(true);
    expect('NOT_SET_ANYWHERE' in BigraysConfig).to.equal(false);
  });

  it('should forget assigned values on resetConfig()', () => {
    BigraysConfig.DB_DSN = 'sqlite::memory:';
    resetConfig();
    expect(BigraysConfig.DB_DSN).to.equal(undefined);
  });

  it('should merge a resourceConfig over the global config', () => {
    process.env.BIGRAYS_DB_DSN = 'sqlite:a.db';
    BigraysConfig.DB_USER = 'etl';
    const config = effectiveConfig({ DB_DSN: 'sqlite:b.db' });
    expect(config).to.include({ DB_DSN: 'sqlite:b.db', DB_USER: 'etl', AWS_REQUIRE_SECRETS: true });
    expect(effectiveConfig()).to.include({ DB_DSN: 'sqlite:a.db' });
  });

  it('should read boolean flags from env strings and name the env var when one is not a boolean', () => {
    expect(configFlag({ X: 'false' }, 'X', true)).to.equal(false);
    expect(configFlag({ X: '1' }, 'X')).to.equal(true);
    expect(configFlag({}, 'X', true)).to.equal(true);
    expect(() => configFlag({ AWS_REQUIRE_SECRETS: 'maybe' }, 'AWS_REQUIRE_SECRETS'))
      .to.throw(ConfigurationError, /BIGRAYS_AWS_REQUIRE_SECRETS must be true or false, got `maybe`/);
  });
});
