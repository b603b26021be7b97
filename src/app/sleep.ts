/** The application's injectable wait (the `sleep` option); one timer shared with http/'s retries. */
export { defaultSleep, type Sleep } from '../util/sleep.js';
