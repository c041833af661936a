/**
 * The job's process, as `bigrays run` starts it when the job runs apart from the command:
 * `node child.js`, with the run options in `BIGRAYS_RUN_OPTIONS` and an IPC channel to the
 * command. Installs the command's driver and runs the job's script (./job-script).
 */
import './compile-cache';
import { defaultRuntime } from '../runtime';
import { installCommandDriver, sendToParent } from './command-driver';
import { runJobScript } from './job-script';

export async function startJob(): Promise<void> {
  const driver = installCommandDriver(defaultRuntime);
  if (!driver) {
    process.stderr.write('This file is started by `bigrays run <job>`: run that instead.\n');
    process.exitCode = 2;
    return;
  }
  // The command is gone: end as it would have ended us.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel alone never keeps the job alive: it ends when its work does, as under node.
  process.channel?.unref();
  await runJobScript(driver, sendToParent);
}

if (require.main === module) void startJob();
