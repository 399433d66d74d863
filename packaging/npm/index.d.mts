import * as fcmock from './index.js';

export * from './index.js';
export default fcmock;
