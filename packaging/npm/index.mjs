// ESM entry point: the same module as index.js (CommonJS).
import fcmock from './index.js';

export const { start, resolveBinary, platformPackage, newApiKey, FcmockError, Server } = fcmock;
export default fcmock;
