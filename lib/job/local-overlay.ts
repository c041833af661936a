/**
 * `bigrays run --local`, on the job's side: the command hands over the emulator's endpoint,
 * its keys and a SQLite DB_DSN through the env; this overlay keeps every task on them,
 * whatever the job assigns in code or in a task's `resourceConfig`. Each resource says what it
 * is (`Resource.localForm()`): an AWS client is pointed at the emulator, a SQL session naming
 * another database gets a SQLite file of its own, and a resource with no local form that needs
 * config is refused before the run (it would reach the real service). The runs' state and run
 * lock stay in the state store the command set up (`stateConfig`). SQLite files under
 * `.bigrays/` are never opened through a symbolic link: each SQL task's config says so
 * (`lib/resources/sql/sqlite/sqlite-no-follow.ts`).
 */
import { basename, extname, join, relative } from 'node:path';
import { effectiveConfig, envName, type ConfigValues } from '../config';
import { ConfigurationError } from '../errors';
import { taskMessage } from '../messages';
import type { Resource } from '../resources/resource';
import { noFollowConfig } from '../resources/sql/sqlite/sqlite-no-follow';
import { maskDsnValue, rememberSecrets } from '../secrets';
import type { BaseTask } from '../task';

/** Where local mode keeps its files, under the working directory. */
export const LOCAL_DIR = '.bigrays';
/** Where local mode keeps the jobs' state, unless BIGRAYS_STATE_URL names another store. */
export const LOCAL_STATE_DIR = join(LOCAL_DIR, 'state');

const AWS_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'] as const;

export class LocalOverlay {
  /**
   * The config the runs' state store and run lock are opened with, over the job's: the state
   * store the command set up (the local folder's `state/`, unless BIGRAYS_STATE_URL names one)
   * on the emulator, whatever the job assigns in code.
   */
  readonly stateConfig: ConfigValues;
  private readonly aws: ConfigValues;
  /** What every SQL task's config gets: its SQLite files under LOCAL_DIR are never opened through a link. */
  private readonly noFollow = noFollowConfig(LOCAL_DIR);
  private readonly mainDsn: string;
  private readonly others = new Map<string, string>();
  private readonly stem: string;

  /** `env`: the job's environment as the command set it up. */
  constructor(job: string, private readonly note: (text: string) => void, env: NodeJS.ProcessEnv = process.env) {
    this.stem = basename(job, extname(job));
    this.aws = { AWS_SESSION_TOKEN: '', AWS_REQUIRE_SECRETS: 'true' };
    for (const key of AWS_KEYS) this.aws[key] = env[envName(key)] ?? '';
    this.mainDsn = env[envName('DB_DSN')] ?? '';
    this.stateConfig = { ...this.aws, STATE_URL: env[envName('STATE_URL')] || LOCAL_STATE_DIR };
  }

  /** Rewrites `task.resourceConfig` so that its resource stays local; refuses a resource that cannot. */
  readonly apply = (task: BaseTask<unknown>): void => {
    const resource = task.requiredResource;
    if (!resource) return;
    const form: string | undefined = resource.localForm();
    switch (form) {
      case 'aws-client':
        task.resourceConfig = { ...(task.resourceConfig ?? {}), ...this.aws };
        return;
      case 'sql-session':
        this.keepSqlLocal(task);
        return;
      case undefined:
        if (resource.requiredConfigs.length > 0) throw noLocalForm(task, resource);
        return;
      default:
        throw noLocalForm(task, resource, form);
    }
  };

  /** A task naming another database than the main one gets a SQLite file of its own; none follows a link under LOCAL_DIR. */
  private keepSqlLocal(task: BaseTask<unknown>): void {
    const own = task.resourceConfig;
    const dsn = String(effectiveConfig(own).DB_DSN ?? '');
    if (dsn === '' || dsn === this.mainDsn) {
      task.resourceConfig = { ...(own ?? {}), ...this.noFollow };
      return;
    }
    rememberSecrets(own);
    task.resourceConfig = { ...(own ?? {}), DB_DSN: this.sqliteFor(dsn), DB_USER: '', DB_PWD: '', ...this.noFollow };
  }

  private sqliteFor(dsn: string): string {
    let local = this.others.get(dsn);
    if (!local) {
      const file = join(LOCAL_DIR, `${this.stem}-${this.others.size + 2}.sqlite`);
      local = `sqlite:${file}`;
      this.others.set(dsn, local);
      this.note(`SQL: ${maskDsnValue(dsn)} (a task's resourceConfig) → SQLite database ${relative(process.cwd(), file) || file}`);
    }
    return local;
  }
}

/**
 * The refusal of a task whose resource local mode cannot keep local: it names the task, the
 * resource and the settings it would use, never their values.
 */
function noLocalForm(task: BaseTask<unknown>, resource: Resource<unknown>, form?: string): ConfigurationError {
  const settings = resource.requiredConfigs.map((key) => envName(key)).join(', ');
  const what = form === undefined ? 'has no local form' : `has local form ${JSON.stringify(form)}, which local mode does not know`;
  return new ConfigurationError(
    taskMessage(
      task,
      `its resource ${resource.name} ${what}, so under --local it would reach the real service (it needs ${settings}). ` +
        "Local mode keeps AWS clients on the emulator and SQL sessions on SQLite only: run the job without --local, or give the resource a local form (localForm() returning 'aws-client' or 'sql-session').",
    ),
    { taskName: task.taskName },
  );
}
