// One kafkajs group member (pinned in the repository's package.json) against one Cloud.Log Kafka listener:
// joins the group, prints each assignment it is given as a JSON line, and leaves after the given seconds.
// Usage: node member.js <broker host:port> <topic> <group> <seconds>
'use strict'
const { Kafka, logLevel } = require('kafkajs')

const [broker, topic, groupId, seconds] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'cloudlog-member', brokers: [broker], logLevel: logLevel.ERROR })

async function main () {
  const consumer = kafka.consumer({ groupId, heartbeatInterval: 300, sessionTimeout: 6000, rebalanceTimeout: 10000 })
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = (payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    console.log(JSON.stringify({ at: Date.now(), assigned: partitions }))
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({ eachMessage: async () => {} })
  await new Promise(resolve => setTimeout(resolve, Number(seconds) * 1000))
  await consumer.disconnect()
}

main().then(() => process.exit(0), error => { console.error(error); process.exit(1) })
