// Loaded into node.exe only (NODE_OPTIONS --require) by scripts/windows-lane.sh.
// Wine 8 refuses TCP keep-alive on a socket that is not connected yet, and libuv sets it inside connect() when
// setKeepAlive was called before (undici and fetch do), so every HTTP request failed with "connect UNKNOWN".
// Applying it once the socket is connected keeps the behaviour the code asked for.
'use strict';
const net = require('node:net');
const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function deferredKeepAlive(enable, initialDelay) {
  if (this.connecting) {
    this.once('connect', () => setKeepAlive.call(this, enable, initialDelay));
    return this;
  }
  return setKeepAlive.call(this, enable, initialDelay);
};
