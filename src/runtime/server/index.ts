/** `tango/server`: the node:http adapter, request log and autoreloader. */
export { serve, type ServeOptions, type RunningServer } from './node.js';
export { formatRequestLine } from './request-log.js';
export { runWithReloader } from './autoreload.js';
