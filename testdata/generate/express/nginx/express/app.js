'use strict';

// A tiny app that serves /files/<name> with the router in
// ./downloads.js. Written by: xaccel generate --backend express --front nginx --internal-prefix /_private/ --files-dir /srv/example/private-files --download-path /files/ --server-name downloads.example.com
//
//   npm install && npm start
//
// Run it behind nginx; set XACCEL_ENABLED=0 to run it alone in
// development (npm run dev): the same router then streams the file itself.
// In your own app, copy the app.use(...) line below.

const express = require('express');
const { createDownloads } = require('./downloads');

const accel = process.env.XACCEL_ENABLED !== '0';
const app = express();
app.disable('x-powered-by');

app.use("/files", createDownloads({
  root: "/srv/example/private-files",
  prefix: "/_private/",
  accel,
}));

app.listen(3000, "127.0.0.1", () => {
  console.log(`serving /files/ on 127.0.0.1:3000 (X-Accel: ${accel})`);
});
