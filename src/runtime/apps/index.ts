/** `tango/apps`: installed apps, like `django.apps`. */
export * from './config.js';
export { AppRegistry } from './registry.js';
