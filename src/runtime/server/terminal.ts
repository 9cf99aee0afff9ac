/**
 * Colour for the development server's output: the styles of src/common/terminal.ts, which the
 * command-line programs share (tango-admin cannot import the runtime, DESIGN.md §3).
 */
export { terminalStyle, type ColorTarget, type TerminalStyle } from '../../common/terminal.js';
