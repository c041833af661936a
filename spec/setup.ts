/** Root hooks for every spec: chai plugins, and a clean registry, keywords and config per test. */
import * as chai from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { defaultRuntime } from '../lib/runtime';

chai.use(chaiAsPromised);

const bigraysEnv = (): string[] => Object.keys(process.env).filter((k) => k.startsWith('BIGRAYS_') && !k.startsWith('BIGRAYS_TEST_'));
let savedEnv: Record<string, string | undefined> = {};

export const mochaHooks = {
  beforeEach(): void {
    savedEnv = Object.fromEntries(bigraysEnv().map((k) => [k, process.env[k]]));
    for (const key of bigraysEnv()) delete process.env[key];
    defaultRuntime.reset();
  },
  afterEach(): void {
    for (const key of bigraysEnv()) delete process.env[key];
    Object.assign(process.env, savedEnv);
  },
};
