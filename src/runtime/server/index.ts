/** `tango/server`: the node:http adapter, request log and autoreloader. */
export { serve, type ServeOptions, type RunningServer } from './node.js';
export { formatRequestLine } from './request-log.js';
export { runWithReloader, isReloaderChild, type ReloaderOptions } from './autoreload.js';
export { watchTree, type TreeWatcher, type WatchTreeOptions } from './watcher.js';
export { formatProjectError, describeProjectError } from './project-error.js';
export { terminalStyle, type TerminalStyle } from './terminal.js';
