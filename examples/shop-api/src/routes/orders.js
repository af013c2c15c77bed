const express = require('express');
const { pool } = require('../lib/db');
const { renderReceipt, sendMail } = require('../lib/mailer');

const router = express.Router();

// blocking-call (across files): renderReceipt reads its template with fs.readFileSync
router.get('/:id/receipt', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM orders WHERE id = $1', [req.params.id]);
  res.type('html').send(renderReceipt(rows[0]));
});

// await-race: read the stock, await, write back a value computed from the stale read
router.post('/:id/reserve', async (req, res) => {
  const { rows } = await pool.query('SELECT stock FROM products WHERE id = $1', [req.params.id]);
  const stock = rows[0].stock;
  if (stock < req.body.quantity) return res.status(409).json({ error: 'out of stock' });
  await pool.query('UPDATE products SET stock = $1 WHERE id = $2', [stock - req.body.quantity, req.params.id]);
  res.status(204).end();
});

// fine: the mail needs the order it just read (the awaits depend on each other)
router.post('/:id/notify', async (req, res) => {
  const { rows: order } = await pool.query('SELECT * FROM orders WHERE id = $1', [req.params.id]);
  await sendMail(order[0].email, renderReceipt(order[0]));
  res.status(202).end();
});

module.exports = router;
