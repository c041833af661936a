/**
 * bigrays: write ETL jobs as a script of task classes.
 * This file is the package's only public surface.
 */
export { BigraysError, ConfigurationError, ResourceError, TaskError, TaskInterfaceError } from './errors';
export { BigraysConfig, KNOWN_CONFIG, resetConfig, type ConfigValues, type ConfigKeyInfo } from './config';
export { updateFormatKws, getFormatKws, clearFormatKws, formatTemplate, type FormatKws } from './format';
export { BaseTask, Task, TEMPLATED_ATTRIBUTES, type TaskClass, type TaskMetrics } from './task';
export { outputOf, OutputRef } from './output';
export { register, clearRegistry, registeredTasks } from './registry';
export { bigraysRun } from './run';
export type { RunReport, TaskReport, TaskStatus } from './report';
export { Resource } from './resources/resource';
