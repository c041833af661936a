/**
 * The type of a task's `input`: data of any kind, or an earlier task's output (`X.output`,
 * `outputOf(X)`), but not a task class: `input = X` (the `.output` forgotten) fails to compile.
 */

/** An object that is not a class: a class's `prototype` is an object of its own type. */
export type NotAClass = object & { readonly prototype?: never };

/** What a task takes as `input`: data or an output, never a task class. */
export type TaskInput = string | number | boolean | bigint | symbol | null | undefined | NotAClass;
