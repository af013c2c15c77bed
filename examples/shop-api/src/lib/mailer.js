const fs = require('fs');
const path = require('path');

function loadTemplate(name) {
  return fs.readFileSync(path.join(__dirname, '..', 'templates', `${name}.html`), 'utf8');
}

function renderReceipt(order) {
  return loadTemplate('receipt').replace('{{total}}', order.total.toFixed(2));
}

async function sendMail(to, html) {
  // a real service would call the mail provider here
  return { to, bytes: html.length };
}

module.exports = { loadTemplate, renderReceipt, sendMail };
