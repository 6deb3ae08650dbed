// kafkajs (pinned in the repository's package.json) against the Cloud.Log Kafka listener: creates a topic
// with the admin client, produces keyed records with headers, consumes them with a consumer group, and
// prints what it read as JSON lines. Usage: node roundtrip.js <broker host:port> <topic> <group> [<username> <password>]
// (with a username and password it authenticates with SASL PLAIN: an API key's name and the key).
'use strict'
const { Kafka, logLevel } = require('kafkajs')

const [broker, topic, groupId, username, password] = process.argv.slice(2)
const sasl = username ? { mechanism: 'plain', username, password } : undefined
const kafka = new Kafka({ clientId: 'cloudlog-test', brokers: [broker], logLevel: logLevel.ERROR, retry: { retries: 3 }, sasl })

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
  const topics = await admin.listTopics()
  console.log(JSON.stringify({ admin: topics.includes(topic) }))
  await admin.disconnect()

  const producer = kafka.producer()
  await producer.connect()
  const sent = await producer.send({
    topic,
    messages: [0, 1, 2, 3].map(i => ({ key: `key-${i}`, value: `value-${i}`, headers: { n: `${i}` } }))
  })
  console.log(JSON.stringify({ produced: sent.map(r => ({ partition: r.partition, offset: r.baseOffset })) }))
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId, heartbeatInterval: 500, sessionTimeout: 6000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const read = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${read.length} of 4 records in time`)), 40000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        read.push({ partition, offset: message.offset, key: message.key.toString(), value: message.value.toString(), n: message.headers.n.toString() })
        if (read.length === 4) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  await consumer.disconnect()
  for (const record of read) console.log(JSON.stringify({ consumed: record }))
}

main().then(() => process.exit(0), error => { console.error(error); process.exit(1) })
