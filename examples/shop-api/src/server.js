// Start-up: reading configuration synchronously before `listen` is fine.
const fs = require('fs');
const path = require('path');
const express = require('express');

const config = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'config.json'), 'utf8'));

const app = express();
app.use(express.json());
app.use('/users', require('./routes/users'));
app.use('/orders', require('./routes/orders'));
app.use('/wallet', require('./routes/wallet'));

app.listen(config.port, () => {
  fs.writeFileSync(config.pidFile, String(process.pid));
  console.log(`shop-api listening on ${config.port}`);
});
