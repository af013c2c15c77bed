const express = require('express');
const { redis } = require('../lib/db');

const router = express.Router();

let paidOut = 0;

// await-race: `paidOut += await ...` reads paidOut before the await and writes it after
router.post('/payout', async (req, res) => {
  paidOut += await transfer(req.body.account, req.body.amount);
  res.json({ paidOut });
});

// await-race: a redis counter read, awaited, then written from the stale value
router.post('/:id/credit', async (req, res) => {
  const balance = await redis.get(`wallet:${req.params.id}`);
  await redis.set(`wallet:${req.params.id}`, Number(balance) + req.body.amount);
  res.status(204).end();
});

async function transfer(account, amount) {
  return amount;
}

module.exports = router;
