const express = require('express');
const bcrypt = require('bcrypt');
const { pool } = require('../lib/db');

const router = express.Router();

async function getUser(id) {
  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}

async function getOrders(userId) {
  const { rows } = await pool.query('SELECT * FROM orders WHERE user_id = $1', [userId]);
  return rows;
}

async function getPayments(userId) {
  const { rows } = await pool.query('SELECT * FROM payments WHERE user_id = $1', [userId]);
  return rows;
}

// sequential-await: three independent round-trips in series
router.get('/:id/dashboard', async (req, res) => {
  const user = await getUser(req.params.id);
  const orders = await getOrders(req.params.id);
  const payments = await getPayments(req.params.id);
  res.json({ user, orders, payments });
});

// blocking-call: bcrypt's synchronous hash stalls every other request
router.post('/', async (req, res) => {
  const hash = bcrypt.hashSync(req.body.password, 12);
  const { rows } = await pool.query('INSERT INTO users (email, hash) VALUES ($1, $2) RETURNING id', [req.body.email, hash]);
  res.status(201).json({ id: rows[0].id });
});

// unbounded-fan-out: one query per id in the request body, all at once
router.post('/deactivate', async (req, res) => {
  await Promise.all(req.body.ids.map(async (id) => {
    await pool.query('UPDATE users SET active = false WHERE id = $1', [id]);
  }));
  res.status(204).end();
});

module.exports = router;
