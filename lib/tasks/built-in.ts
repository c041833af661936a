/**
 * The task classes bigrays defines, and the attributes each has: the one place that tells a
 * job's own fields from the attributes of the built-in class a task extends. A class's
 * attributes are the fields a fresh instance of it holds (those with a default, and optional
 * ones declared without one) and its `requiredAttributes` (declared `abstract`, so no field).
 */
import { BaseTask, requiredAttributesOf, Task, type TaskClass } from '../task';
import { FromS3 } from './from-s3';
import { ListS3Objects } from './list-s3-objects';
import { S3Task } from './s3-task';
import { SlackPost } from './slack-post';
import { SNSPublish } from './sns-publish';
import { SNSPublishEmail } from './sns-publish-email';
import { SNSTask } from './sns-task';
import { SQLExecute } from './sql-execute';
import { SQLQuery } from './sql-query';
import { SQLStream } from './sql-stream';
import { SQLBase, SQLTask } from './sql-task';
import { SQLWrite } from './sql-write';
import { ToCSV } from './to-csv';
import { ToS3 } from './to-s3';

const BUILT_IN: ReadonlySet<unknown> = new Set<unknown>([
  BaseTask, Task, SQLBase, SQLTask, SQLQuery, SQLExecute, SQLWrite, SQLStream, S3Task, ToS3, FromS3, ListS3Objects,
  SNSTask, SNSPublish, SNSPublishEmail, SlackPost, ToCSV,
]);

/** The nearest class of `cls`'s chain that bigrays defines (`cls` itself when it is one). */
export function builtInBase(cls: TaskClass): TaskClass {
  for (let c: unknown = cls; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    if (BUILT_IN.has(c)) return c as TaskClass;
  }
  return BaseTask as TaskClass;
}

/**
 * Optional attributes declared without a field, so that a subclass's own (a getter, say) is the
 * one read: a fresh instance does not show them.
 */
const DECLARED: ReadonlyMap<unknown, readonly string[]> = new Map<unknown, readonly string[]>([[SNSPublishEmail, ['subject']]]);

/** The attributes of built-in class `base`: the fields of a fresh instance, the required ones and the declared ones. */
export function attributesOf(base: TaskClass): string[] {
  const fresh = new (base as unknown as new () => BaseTask<unknown>)();
  return [...new Set([...Object.keys(fresh), ...requiredAttributesOf(base), ...(DECLARED.get(base) ?? [])])];
}

/** The names of `cls`'s methods and getters, its own and inherited (a field of one of those names is no typo). */
export function memberNames(cls: TaskClass): Set<string> {
  const names = new Set<string>();
  for (let proto: unknown = cls.prototype; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
  }
  return names;
}
