/** Entry: registering the root element pulls in every component. */
import './hive-app.js';
