// Speisekarte für das Café: Grüße, Preise in € und ein 😀 vor jedem Befund.
const fs = require('fs');

async function übersicht(req, res) {
  const titel = 'Überblick 📊';
  const user = await getUser(req.params.id);
  const orders = await getOrders(req.params.id);
  res.json({ titel, user, orders });
}
module.exports = übersicht;

async function getUser(id) { return db.users.findById(id); }
async function getOrders(id) { return db.orders.findByUser(id); }

app.get('/menü', (req, res) => { const s = 'ééé 😀'; res.send(fs.readFileSync('menü.html')); });

let umsatz = 0;
app.post('/kasse', async (req, res) => {
  umsatz += await buchen(req.body.betrag); // 💶
  res.json({ umsatz });
});
