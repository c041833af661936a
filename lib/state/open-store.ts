/**
 * The state store config `STATE_URL` names: a folder (the default, `.bigrays/state/` under the
 * current directory), and the kinds each store adds to STATE_STORE_KINDS. An unknown kind is
 * an error naming the setting, never a fall-through.
 */
import { resolve } from 'node:path';
import { envName, isSet, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { FolderStateStore } from './folder-store';
import type { StateStore } from './store';

/** A kind of state store: whether a `STATE_URL` is its kind, and how to open it. */
export interface StateStoreKind {
  /** For messages: what the URL looks like. */
  readonly form: string;
  matches(url: string): boolean;
  open(url: string, config: ConfigValues): Promise<StateStore> | StateStore;
}

/** The folder the state is kept in when `STATE_URL` is not set. */
export const DEFAULT_STATE_FOLDER = '.bigrays/state';

const FOLDER: StateStoreKind = {
  form: 'a folder path (or file:<path>)',
  matches: (url) => url.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(url),
  open: (url) => new FolderStateStore(resolve(url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : url)),
};

/** Every kind of state store, tried in order. */
export const STATE_STORE_KINDS: readonly StateStoreKind[] = [FOLDER];

/** Opens the state store `config` names (`STATE_URL`, else the default folder). */
export async function openStateStore(config: ConfigValues): Promise<StateStore> {
  const url = isSet(config.STATE_URL) ? String(config.STATE_URL) : DEFAULT_STATE_FOLDER;
  const kind = STATE_STORE_KINDS.find((k) => k.matches(url));
  if (!kind) {
    throw new ConfigurationError(
      `${envName('STATE_URL')} must be ${STATE_STORE_KINDS.map((k) => k.form).join(', ')}; got a URL of another kind`,
      { missing: [envName('STATE_URL')] },
    );
  }
  return kind.open(url, config);
}
