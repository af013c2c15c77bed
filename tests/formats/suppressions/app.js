const fs = require('fs');

app.get('/a', (req, res) => {
  // loopsafe-ignore-next-line blocking-call: 40 bytes, in the page cache after the first request
  res.send(fs.readFileSync('a'));
});

app.get('/b', (req, res) => {
  // loopsafe-ignore-next-line blocking-call
  res.send(fs.readFileSync('b'));
});

app.get('/c', (req, res) => {
  // loopsafe-ignore-next-line blocking-call: <why this finding does not apply here>
  res.send(fs.readFileSync('c'));
});

app.get('/d', (req, res) => {
  // loopsafe-ignore-next-line blocking-call, await-race: the template is tiny
  res.send(fs.readFileSync('d'));
});

app.get('/e', (req, res) => {
  // loopsafe-ignore-next-line blocking-cal: typo
  res.send(fs.readFileSync('e'));
});
