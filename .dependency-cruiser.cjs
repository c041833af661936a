/**
 * The import rules of lib/ (`npm run lint:imports`, part of `npm test`): no circles, layers that only look down, and the
 * core never reaches into the command. The command (lib/cli, the `bigrays` executable) and the
 * job's side of it (lib/job, the child process it starts) build on the core; the core knows
 * neither. lib/index.ts and lib/lambda.ts are entry points beside the command.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports: modules that cannot be read, loaded or tested one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-command',
      severity: 'error',
      comment: 'The core (lib/ outside lib/cli and lib/job) imports nothing of the command or the job child: the command installs a RunDriver instead.',
      from: { path: '^lib/', pathNot: '^lib/(cli|job)/' },
      to: { path: '^lib/(cli|job)/' },
    },
    {
      name: 'job-not-to-cli',
      severity: 'error',
      comment: 'The job child (lib/job) runs in the job\'s process; the command (lib/cli) in its own. What both need lives in the core.',
      from: { path: '^lib/job/' },
      to: { path: '^lib/cli/' },
    },
    {
      name: 'layers-runner',
      severity: 'error',
      comment: 'The runner (lib/run/) uses the tasks, resources and data below it; none of them reaches back up into it. Its interfaces that lower layers need (run-driver, run-observer, run-plan, task-shape) live beside the runtime.',
      from: { path: '^lib/', pathNot: '^lib/(run/|run\\.ts$|job/|cli/|index\\.ts$|functions\\.ts$|functional\\.ts$|lambda\\.ts$)' },
      to: { path: '^lib/run/' },
    },
    {
      name: 'layers-tasks',
      severity: 'error',
      comment: 'Tasks (lib/tasks/) build on stores, resources and data; those never import a task.',
      from: { path: '^lib/(stores|resources|data|template)/' },
      to: { path: '^lib/tasks/' },
    },
    {
      name: 'layers-stores',
      severity: 'error',
      comment: 'Object stores (lib/stores/) build on resources and data; those never import a store.',
      from: { path: '^lib/(resources|data|template)/' },
      to: { path: '^lib/stores/' },
    },
    {
      name: 'layers-resources',
      severity: 'error',
      comment: 'Resources (lib/resources/) build on data and the core; data never imports a resource.',
      from: { path: '^lib/(data|template)/' },
      to: { path: '^lib/resources/' },
    },
    {
      name: 'no-orphans',
      severity: 'warn',
      comment: 'A module nothing imports (an entry point aside) is dead code.',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '^lib/(index|lambda)\\.ts$', '^lib/cli/main\\.ts$', '^lib/job/child\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(spec|bench|dist|examples)/' },
  },
};
