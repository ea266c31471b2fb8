import assert from "node:assert/strict";
import { Scheduler } from "../../src/engine/scheduler.ts";

Deno.test("scheduler runs events in time order, ties in insertion order", () => {
  const sched = new Scheduler();
  const order: string[] = [];
  sched.at(30, () => order.push("c"));
  sched.at(10, () => order.push("a1"));
  sched.at(20, () => order.push("b"));
  sched.at(10, () => order.push("a2"));
  sched.at(10, () => order.push("a3"));
  sched.runUntil(100);
  assert.deepEqual(order, ["a1", "a2", "a3", "b", "c"]);
  assert.equal(sched.now, 100);
});

Deno.test("scheduler: a cancelled timer never fires and is not counted", () => {
  const sched = new Scheduler();
  let fired = 0;
  const timer = sched.after(5, () => fired++);
  sched.after(6, () => fired += 10);
  timer.cancel();
  sched.runUntil(10);
  assert.equal(fired, 10);
  assert.equal(sched.executed, 1);
});

Deno.test("scheduler: events scheduled during a run at the same time run after the current one", () => {
  const sched = new Scheduler();
  const order: number[] = [];
  sched.at(5, () => {
    order.push(1);
    sched.after(0, () => order.push(3));
  });
  sched.at(5, () => order.push(2));
  sched.runUntil(5);
  assert.deepEqual(order, [1, 2, 3]);
});

Deno.test("scheduler: runUntil stops at the boundary and resumes later", () => {
  const sched = new Scheduler();
  const seen: number[] = [];
  for (const t of [1, 5, 9, 12]) sched.at(t, () => seen.push(sched.now));
  sched.runUntil(9);
  assert.deepEqual(seen, [1, 5, 9]);
  sched.runUntil(20);
  assert.deepEqual(seen, [1, 5, 9, 12]);
});

Deno.test("scheduler: heap order holds for many random times", () => {
  const sched = new Scheduler();
  const times: number[] = [];
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const t = x % 1000;
    sched.at(t, () => times.push(sched.now));
  }
  sched.runUntil(1000);
  assert.equal(times.length, 2000);
  for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] <= times[i]);
});
