// Cloud.Log on Azure: a Flex Consumption function app reaching its storage only with a user-assigned
// managed identity. One storage account per replica location holds the log; a separate host account
// holds the metadata tables, the deployment package, the Functions host's state and the produce queue,
// so losing any one replica account leaves the metadata whole. `azd up` provisions this and deploys
// functions/Cloud.Log.Functions.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the unique names of every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource. Flex Consumption is offered in a subset of regions.')
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (azd fills it in), given data roles so the SDK and tools work from a laptop. Empty: none.')
param principalId string = ''

@minValue(1)
@maxValue(5)
@description('Storage accounts that hold replicas: 3 for production (a partition survives the loss of one), 1 for a cheap dev environment.')
param replicaLocationCount int = 3

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GZRS'
])
@description('Redundancy of the host account, which holds the metadata tables: zone-redundant where the region offers it.')
param hostStorageSku string = 'Standard_LRS'

@minValue(1)
@maxValue(5)
@description('Replication factor of a topic created without one. Default: 3, or the number of locations when fewer.')
param defaultReplicationFactor int = min(3, replicaLocationCount)

@allowed([
  512
  2048
  4096
])
@description('Memory of each function app instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Most instances the app may scale out to.')
param maximumInstanceCount int = 100

@description('Browser origins allowed to call the API (CORS), e.g. ["https://app.example.com"].')
param corsAllowedOrigins array = []

@description('NCRONTAB schedule of the replica catch-up job.')
param replicationSchedule string = '*/10 * * * * *'

@description('NCRONTAB schedule of the retention job (which also removes deleted topics\' data).')
param retentionSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule of the compaction job.')
param compactionSchedule string = '0 */10 * * * *'

@description('Whether to run the Kafka listener: the standalone server in Azure Container Apps with TCP ingress (docs/deploy.md). Off by default.')
param kafkaListener bool = false

@description('The Kafka listener\'s image, pushed to the registry this template creates (docs/deploy.md). Empty: a placeholder.')
param kafkaImage string = ''

@description('The port Kafka clients connect to.')
param kafkaPort int = 9092

@minValue(1)
@maxValue(30)
@description('Most Kafka listener replicas.')
param kafkaMaximumReplicaCount int = 3

@description('More settings of the Kafka listener\'s server, as environment variables (name: value): its SASL / OAUTHBEARER settings (docs/kafka.md).')
param kafkaSettings object = {}

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}cloudlog-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 13)}'
var produceQueueName = 'cloudlog-produce'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}cloudlog-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

// The function app's own account: metadata tables, deployment package, host state (timer locks), produce queue.
module hostStorage 'app/storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    sku: hostStorageSku
    containers: [deploymentContainerName]
    queues: [produceQueueName, '${produceQueueName}-poison']
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    roles: ['blobOwner', 'queueContributor', 'tableContributor']
  }
}

// One account per replica location: segment blobs only.
module replicaStorage 'app/storage.bicep' = [for i in range(0, replicaLocationCount): {
  name: 'replica-storage-${i}'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}log${i}${resourceToken}'
    location: location
    tags: union(tags, { 'cloudlog-replica-location': string(i) })
    sku: 'Standard_LRS'
    containers: []
    queues: []
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    roles: ['blobContributor']
  }
}]

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    deploymentContainerUrl: '${hostStorage.outputs.blobEndpoint}${deploymentContainerName}'
    hostBlobEndpoint: hostStorage.outputs.blobEndpoint
    hostQueueEndpoint: hostStorage.outputs.queueEndpoint
    metadataTableEndpoint: hostStorage.outputs.tableEndpoint
    replicaLocations: [for i in range(0, replicaLocationCount): {
      name: 'location${i}'
      blobEndpoint: replicaStorage[i].outputs.blobEndpoint
      tableEndpoint: replicaStorage[i].outputs.tableEndpoint
    }]
    defaultReplicationFactor: defaultReplicationFactor
    produceQueueName: produceQueueName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    corsAllowedOrigins: corsAllowedOrigins
    replicationSchedule: replicationSchedule
    retentionSchedule: retentionSchedule
    compactionSchedule: compactionSchedule
  }
}

// The optional Kafka listener, on the same storage with the same identity.
module kafka 'app/kafka.bicep' = if (kafkaListener) {
  name: 'kafka'
  scope: rg
  params: {
    name: '${abbrs.appContainerApps}kafka-${resourceToken}'
    environmentName: '${abbrs.appManagedEnvironments}${resourceToken}'
    registryName: '${abbrs.containerRegistryRegistries}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    image: kafkaImage
    metadataTableEndpoint: hostStorage.outputs.tableEndpoint
    replicaLocations: [for i in range(0, replicaLocationCount): {
      name: 'location${i}'
      blobEndpoint: replicaStorage[i].outputs.blobEndpoint
      tableEndpoint: replicaStorage[i].outputs.tableEndpoint
    }]
    defaultReplicationFactor: defaultReplicationFactor
    kafkaPort: kafkaPort
    maximumReplicaCount: kafkaMaximumReplicaCount
    settings: kafkaSettings
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output CLOUDLOG_URL string = api.outputs.url
output CLOUDLOG_PRODUCE_QUEUE_URL string = '${hostStorage.outputs.queueEndpoint}${produceQueueName}'
output CLOUDLOG_HOST_STORAGE_ACCOUNT string = hostStorage.outputs.name
output CLOUDLOG_REPLICA_STORAGE_ACCOUNTS array = [for i in range(0, replicaLocationCount): replicaStorage[i].outputs.name]
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output CLOUDLOG_KAFKA_BOOTSTRAP_SERVERS string = kafkaListener ? kafka!.outputs.bootstrapServers : ''
output CLOUDLOG_KAFKA_REGISTRY string = kafkaListener ? kafka!.outputs.registryLoginServer : ''
