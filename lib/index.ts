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

// SQL
export type { DataFrame } from './data/danfo';
export type { Row } from './data/frame';
export { SQLSession, SqlSession, sqlSession, type SqlParams } from './resources/sql/session';
export type { IfExists } from './resources/sql/write';
export { SQLTask } from './tasks/sql-task';
export { SQLQuery } from './tasks/sql-query';
export { SQLExecute } from './tasks/sql-execute';
export { SQLWrite } from './tasks/sql-write';
