/** d3, with the view's own type declarations (d3 ships none). Import d3 from here, not from "d3". */
// @ts-types="./d3.d.ts"
import * as d3 from "d3";

export default d3;
export type { Selection, ZoomTransform } from "./d3.d.ts";
