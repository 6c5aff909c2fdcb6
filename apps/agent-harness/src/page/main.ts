import './hive-harness-app.js';
