// Types for the part of d3 the view uses. The d3 npm package ships no types and the project does not
// depend on @types/d3; this subset keeps the view type-checked without it.
// deno-lint-ignore-file no-explicit-any

export type ValueFn<D, R> = (d: D, i: number) => R;
type Primitive = string | number | boolean | null;

export interface Selection<E extends Element = Element, D = unknown> {
  select<F extends Element = Element>(selector: string): Selection<F, D>;
  selectAll<F extends Element = Element, N = unknown>(selector: string): Selection<F, N>;
  data<N>(data: N[], key?: (d: N, i: number) => string | number): Selection<E, N>;
  datum<N>(value: N): Selection<E, N>;
  datum(): D;
  join<F extends Element = E>(
    enter: string | ((enter: Selection<any, D>) => Selection<F, D>),
    update?: (update: Selection<E, D>) => Selection<E, D>,
    exit?: (exit: Selection<E, D>) => void,
  ): Selection<F, D>;
  append<F extends Element = Element>(type: string): Selection<F, D>;
  insert<F extends Element = Element>(type: string, before?: string): Selection<F, D>;
  attr(name: string): string;
  attr(name: string, value: Primitive | undefined | ValueFn<D, Primitive | undefined>): this;
  style(name: string, value: Primitive | ValueFn<D, Primitive>): this;
  classed(names: string, value: boolean | ValueFn<D, boolean>): this;
  text(value: Primitive | ValueFn<D, Primitive>): this;
  text(): string;
  on(type: string, listener: ((this: E, event: any, d: D) => void) | null): this;
  call(fn: (selection: this, ...args: any[]) => void, ...args: any[]): this;
  each(fn: (this: E, d: D, i: number) => void): this;
  filter(predicate: string | ValueFn<D, boolean>): this;
  remove(): this;
  raise(): this;
  lower(): this;
  node(): E | null;
  nodes(): E[];
  empty(): boolean;
  size(): number;
}

export function select<E extends Element = Element, D = unknown>(target: string | E): Selection<E, D>;

export interface ZoomTransform {
  readonly k: number;
  readonly x: number;
  readonly y: number;
  translate(x: number, y: number): ZoomTransform;
  scale(k: number): ZoomTransform;
  toString(): string;
}
export const zoomIdentity: ZoomTransform;

export interface ZoomBehavior<E extends Element> {
  (selection: Selection<E, any>): void;
  scaleExtent(extent: [number, number]): this;
  filter(fn: (event: any) => boolean): this;
  on(
    type: string,
    listener: ((event: { transform: ZoomTransform; sourceEvent: Event | null }) => void) | null,
  ): this;
  transform(selection: Selection<E, any>, transform: ZoomTransform): void;
  scaleBy(selection: Selection<E, any>, k: number): void;
}
export function zoom<E extends Element>(): ZoomBehavior<E>;

export interface DragEvent<D> {
  x: number;
  y: number;
  dx: number;
  dy: number;
  subject: D;
  sourceEvent: Event;
}
export interface DragBehavior<E extends Element, D> {
  (selection: Selection<E, D>): void;
  on(type: string, listener: ((this: E, event: DragEvent<D>, d: D) => void) | null): this;
  subject(fn: (event: any, d: D) => unknown): this;
}
export function drag<E extends Element, D>(): DragBehavior<E, D>;

export interface SimulationNode {
  index?: number;
  x?: number;
  y?: number;
  vx?: number;
  vy?: number;
  fx?: number | null;
  fy?: number | null;
}
export interface SimulationLink<N> {
  source: N | string | number;
  target: N | string | number;
}
export interface Force<N extends SimulationNode> {
  (alpha: number): void;
  initialize?(nodes: N[]): void;
}
export interface Simulation<N extends SimulationNode> {
  force(name: string, force: Force<N> | null): this;
  stop(): this;
  tick(iterations?: number): this;
  nodes(): N[];
}
export function forceSimulation<N extends SimulationNode>(nodes?: N[]): Simulation<N>;
export interface ForceLink<N extends SimulationNode> extends Force<N> {
  id(fn: (node: N) => string): this;
  distance(d: number): this;
  strength(s: number): this;
}
export function forceLink<N extends SimulationNode>(links?: SimulationLink<N>[]): ForceLink<N>;
export interface ForceManyBody<N extends SimulationNode> extends Force<N> {
  strength(s: number): this;
}
export function forceManyBody<N extends SimulationNode>(): ForceManyBody<N>;
export function forceCenter<N extends SimulationNode>(x?: number, y?: number): Force<N>;
export interface ForceCollide<N extends SimulationNode> extends Force<N> {
  radius(r: number): this;
}
export function forceCollide<N extends SimulationNode>(radius?: number): ForceCollide<N>;
