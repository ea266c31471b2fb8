/**
 * `check FILE [--apply CHANGES.yaml | --solution] [--answers ANSWERS.yaml]`: grades a run of an exercise
 * (its goals, after the student's changes or the teacher's solution) and a student's answers to the
 * lesson's checkable questions. Exit 0 only when every goal holds and every checked answer is right;
 * 1 when any does not; 2 for bad input (a change outside the knobs, a mistake in a file, named as
 * file:line:col), with nothing run.
 */
import { simulate } from "../sim.ts";
import { applyChanges, parseAnswers, parseChanges } from "../topology/changes.ts";
import { formatTopologyError } from "../topology/load.ts";
import type { Change, TopologyModel } from "../topology/model.ts";
import { gradeAnswers, gradeExercise, scoreLine } from "../trace/grade.ts";
import type { CliIo } from "./cli.ts";
import { loadTopologyFile, readTextFileSafely } from "./load_file.ts";
import { BadInput } from "./run.ts";

export interface CheckOptions {
  file: string;
  apply?: string;
  solution: boolean;
  answers?: string;
  /** `N=TEXT` answers given on the command line (after those of the file). */
  answer?: string[];
}

/** Runs `check`; resolves to the exit code. */
export async function checkCommand(options: CheckOptions, io: CliIo): Promise<number> {
  if (options.apply !== undefined && options.solution) {
    throw new BadInput("--apply and --solution are two different answers; give one");
  }
  const loaded = await loadTopologyFile(options.file);
  if (!loaded.ok) {
    for (const m of loaded.messages) io.err(m);
    return 2;
  }
  const lesson = loaded.model.lesson;
  const exercise = lesson?.exercise;
  const inline = inlineAnswers(options.answer ?? [], lesson?.questions.length ?? 0);
  const grading = options.answers !== undefined || inline.size > 0;
  if (!exercise && !grading) {
    throw new BadInput(
      `${options.file} has no exercise: to grade answers to its questions, give --answers FILE or --answer N=TEXT`,
    );
  }
  if (!exercise && (options.apply !== undefined || options.solution)) {
    throw new BadInput(`${options.file} has no exercise, so there is nothing to --apply changes to`);
  }
  let changes: Change[] = [];
  let from = options.file;
  if (options.solution) changes = exercise!.solution;
  if (options.apply !== undefined) {
    const read = await readTextFileSafely(options.apply);
    if (!read.ok) {
      io.err(read.message);
      return 2;
    }
    const parsed = parseChanges(read.text, options.apply);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(formatTopologyError(e));
      return 2;
    }
    changes = parsed.changes;
    from = options.apply;
  }
  let answers: Map<number, string> | undefined;
  if (options.answers !== undefined) {
    const read = await readTextFileSafely(options.answers);
    if (!read.ok) {
      io.err(read.message);
      return 2;
    }
    const parsed = parseAnswers(read.text, options.answers, lesson?.questions.length ?? 0);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(formatTopologyError(e));
      return 2;
    }
    answers = parsed.answers;
  }
  if (inline.size > 0) answers = new Map([...answers ?? [], ...inline]);

  let model: TopologyModel = loaded.model;
  if (changes.length > 0) {
    const applied = applyChanges(loaded.text, model, changes, from, exercise!.knobs);
    if (!applied.ok) {
      for (const e of applied.errors) io.err(formatTopologyError(e));
      return 2;
    }
    model = applied.model;
  }
  const result = simulate(model);
  if (result.stopped) io.err(`warning: ${result.stopped.message}`);
  let ok = true;
  if (exercise && (!grading || options.apply !== undefined || options.solution)) {
    io.out(`exercise: ${lesson!.title}`);
    const label = options.solution ? "the solution" : options.apply ?? "none (the lesson as written)";
    io.out(`changes: ${label}`);
    for (const c of changes) io.out(`  ${c.path}: ${JSON.stringify(c.value)}`);
    const grade = gradeExercise(exercise, result.records);
    io.out(scoreLine(grade));
    for (const g of grade.goals) io.out(`  ${g.met ? "✓" : "✗"} ${g.say}${g.met ? "" : ` — ${g.detail}`}`);
    ok = grade.solved;
  }
  if (answers && lesson) {
    const graded = gradeAnswers(lesson, answers, result.records);
    if (graded.length === 0) {
      throw new BadInput(`${options.file}: none of its questions has a check, so no answer can be graded`);
    }
    const right = graded.filter((a) => a.correct).length;
    io.out(`answers: ${right}/${graded.length} right`);
    for (const a of graded) {
      io.out(`  ${a.correct ? "✓" : "✗"} ${a.question}. ${a.text} — ${a.given ?? "(none)"}: ${a.detail}`);
    }
    ok = ok && right === graded.length;
  }
  return ok ? 0 : 1;
}

/** `--answer 4=26132` values as question number → answer; a malformed one is bad input. */
function inlineAnswers(given: readonly string[], questions: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const one of given) {
    const m = /^(\d+)=(.*)$/s.exec(one);
    const n = m ? Number(m[1]) : NaN;
    if (!m || n < 1 || n > questions) {
      throw new BadInput(
        `--answer ${one}: expected N=TEXT with N a question number (the lesson has ${questions}), e.g. --answer 4=4500`,
      );
    }
    out.set(n, m[2]);
  }
  return out;
}
